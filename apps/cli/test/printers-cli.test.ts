import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { createTestDatabase, type TestDatabase } from '@printforge/devstack'
import pg from 'pg'
import { runCli } from './run-cli.ts'

const k1 = `k1:${randomBytes(32).toString('base64')}`
const k2 = `k2:${randomBytes(32).toString('base64')}`
let database: TestDatabase

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { DATABASE_URL: database.appUrl, PRINTER_KEYS: k1, ...env })

async function printerRow(serial: string) {
  const client = new pg.Client({ connectionString: database.appUrl })
  await client.connect()
  try {
    await client.query("SELECT set_config('app.role', 'system', false)")
    return (await client.query('SELECT id, host, access_code_key_id, access_code_ciphertext FROM printers WHERE serial = $1', [serial])).rows[0]
  } finally {
    await client.end()
  }
}

const add = (serial: string, host = '127.0.0.1', code = 'Secret42') =>
  ['printers', 'add', '--name', `Sim ${serial}`, '--model', 'P1S', '--serial', serial, '--host', host, '--access-code', code, '--mqtt-port', '18883']

before(async () => {
  database = await createTestDatabase()
})
after(async () => {
  await database?.drop()
})

describe('npm run cli -- printers / keys', () => {
  test('printers add registers, a second run updates the same printer, list shows it; the code is never printed', async () => {
    const first = await cli(add('01P00A000000777'))
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /Registered P1S 01P00A000000777/)
    const { id } = await printerRow('01P00A000000777')
    const second = await cli(add('01P00A000000777', '10.0.0.7', 'Changed99'))
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stdout, /Updated/)
    const row = await printerRow('01P00A000000777')
    assert.deepEqual([row.id, row.host], [id, '10.0.0.7'])
    const list = await cli(['printers', 'list'])
    assert.match(list.stdout, /01P00A000000777\s+P1S/)
    for (const out of [first, second, list]) assert.doesNotMatch(out.stdout + out.stderr, /Secret42|Changed99/)
  })

  test('a public host or a bad model is refused before anything is stored', async () => {
    assert.equal((await cli(add('01P00A000000888', '8.8.8.8'))).code, 2)
    assert.equal((await cli([...add('01P00A000000889').slice(0, 4), '--model', 'Z9'])).code, 2)
    assert.equal(await printerRow('01P00A000000888'), undefined)
  })

  test('keys rotate re-encrypts every code under the new first key; the old key can then go', async () => {
    assert.equal((await cli(add('01P00A000000999'))).code, 0)
    const rotated = await cli(['keys', 'rotate'], { PRINTER_KEYS: `${k2},${k1}` })
    assert.equal(rotated.code, 0, rotated.stderr)
    assert.match(rotated.stdout, /Re-encrypted 2 of 2 access code\(s\) under key k2/)
    assert.equal((await printerRow('01P00A000000999')).access_code_key_id, 'k2')
    // With only the new key, nothing is left to rotate and every code still decrypts.
    const again = await cli(['keys', 'rotate'], { PRINTER_KEYS: k2 })
    assert.match(again.stdout, /Re-encrypted 0 of 2/)
    // Without the key a code was sealed with, rotation fails loudly and changes nothing.
    const lost = await cli(['keys', 'rotate'], { PRINTER_KEYS: `k3:${randomBytes(32).toString('base64')}` })
    assert.equal(lost.code, 1)
    assert.match(lost.stderr, /no longer lists/)
    assert.equal((await printerRow('01P00A000000999')).access_code_key_id, 'k2')
  })
})
