import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { runCli } from './run-cli.ts'

let database: TestDatabase

const cli = (args: string[]) => runCli(args, { DATABASE_URL: database.appUrl })

/** Reads as printforge_app in the system context, as ops commands do. */
async function asSystem<T extends pg.QueryResultRow>(sql: string, params: string[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.appUrl })
  await client.connect()
  try {
    await client.query("SELECT set_config('app.role', 'system', false), set_config('app.actor_id', 'system', false)")
    return (await client.query<T>(sql, params)).rows
  } finally {
    await client.end()
  }
}

const cutOff = (actorType: string, actorId: string) =>
  asSystem<{ revoked_before: Date; revoked_by: string }>('SELECT revoked_before, revoked_by FROM token_revocations WHERE actor_type = $1 AND actor_id = $2', [actorType, actorId])
const revocationAudits = (actorId: string) =>
  asSystem<{ actor_type: string; actor_id: string; target_type: string; details: { reason: string; revokedBefore: string } }>(
    "SELECT actor_type, actor_id, target_type, details FROM audit_log WHERE action = 'tokens.revoked' AND target_id = $1 ORDER BY id",
    [actorId],
  )

before(async () => {
  database = await createTestDatabase()
})
after(async () => {
  await database?.drop()
})

describe('npm run cli -- tokens revoke', () => {
  test('--customer and --user set a cut-off of about now and write tokens.revoked as the system', async () => {
    for (const [flag, actorType, id] of [['--customer', 'customer', 'cus_01CLI'], ['--user', 'user', 'user_01CLI']] as const) {
      const started = Date.now()
      const run = await cli(['tokens', 'revoke', flag, id])
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stdout, new RegExp(`Revoked every token of ${actorType} ${id} issued up to \\S+Z`))
      const [row] = await cutOff(actorType, id)
      assert.ok(row, 'a cut-off row')
      // Between the command's start and end (1 s of clock slack): how long the CLI takes to start varies with load.
      const t = row.revoked_before.getTime()
      assert.ok(t >= started - 1_000 && t <= Date.now() + 1_000, `cut-off ${row.revoked_before.toISOString()} outside the run`)
      assert.match(row.revoked_by, /^ops:/)
      const [audit] = await revocationAudits(id)
      assert.equal(audit?.actor_type, 'system')
      assert.match(audit?.actor_id ?? '', /^ops:/)
      assert.equal(audit?.target_type, actorType)
      assert.equal(audit?.details.reason, 'cli')
      assert.equal(audit?.details.revokedBefore, row.revoked_before.toISOString())
    }
  })

  test('staff revoke also revokes the user’s tokens; a user without a role is left alone', async () => {
    assert.equal((await cli(['staff', 'grant', 'user_02STAFF', 'operator'])).code, 0)
    assert.deepEqual(await cutOff('user', 'user_02STAFF'), [], 'granting revokes nothing')
    const run = await cli(['staff', 'revoke', 'user_02STAFF'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /Revoked operator from user_02STAFF, and every token they hold/)
    assert.equal((await cutOff('user', 'user_02STAFF')).length, 1)
    assert.deepEqual((await revocationAudits('user_02STAFF')).map((a) => a.details.reason), ['staff.removed'])
    assert.equal((await cli(['staff', 'revoke', 'user_03NOROLE'])).code, 0)
    assert.deepEqual(await cutOff('user', 'user_03NOROLE'), [])
  })

  test('bad arguments exit 2 and revoke nothing', async () => {
    for (const args of [
      ['tokens', 'revoke'],
      ['tokens', 'revoke', '--customer', 'cus_1', '--user', 'user_1'],
      ['tokens', 'revoke', '--customer', "cus_1'; DROP TABLE staff;--"],
      ['tokens', 'revoke', '--everyone'],
      ['tokens', 'purge', '--customer', 'cus_1'],
    ]) {
      const run = await cli(args)
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
    }
    assert.deepEqual(await cutOff('customer', 'cus_1'), [])
  })
})
