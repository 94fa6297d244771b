import path from 'node:path'
import { parseArgs } from 'node:util'
import type { CliConfig } from '@printforge/config'
import { verifyAndRecordAuditChain, withTx, writeAudit } from '@printforge/db'
import { manifestPathFor, readManifest, sha256File, type BackupManifest } from '../backup/files.js'
import { BACKUP_FLAG, countRows, missingRoles, publicSchemaContents, readAuditHead, securityFacts, withOwner } from '../backup/owner-session.js'
import { pgConnection, runPgTool } from '../backup/pg-tools.js'
import { UsageError } from '../command.js'
import { requireAdminUrl, withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

/**
 * `backup restore <file.dump> [--manifest <file.json>]` into the configured database, which must
 * be empty (provisioned with the roles, not migrated). Nothing is touched until the dump matches
 * its manifest's SHA-256; pg_restore runs as one transaction, so a failure leaves the database
 * empty again. Then the result is checked against the manifest and the app role's safety rules.
 */
export async function restoreBackup(args: string[], config: CliConfig, print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { manifest: { type: 'string' } } })
  if (positionals.length !== 1) throw new UsageError('backup restore: expected one <file.dump>')
  const adminUrl = requireAdminUrl(config)
  const dumpFile = path.resolve(positionals[0] as string)
  const manifest = await readManifest(values.manifest ? path.resolve(values.manifest) : manifestPathFor(dumpFile))

  print(`Checking ${dumpFile} against its manifest (SHA-256)…`)
  const actual = await sha256File(dumpFile)
  if (actual.sha256 !== manifest.sha256 || actual.bytes !== manifest.bytes) {
    print(`Refusing: the dump's SHA-256 is ${actual.sha256} (${actual.bytes} bytes), the manifest says ${manifest.sha256} (${manifest.bytes} bytes).`)
    return 1
  }
  const target = await withOwner(adminUrl, async (client) => ({
    database: (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db ?? '?',
    contents: await publicSchemaContents(client),
    missingRoles: await missingRoles(client),
  }))
  if (target.contents.length > 0) {
    print(`Refusing: database ${target.database} is not empty (public holds ${target.contents.join(', ')}…). Restore into a freshly provisioned, unmigrated database.`)
    return 1
  }
  if (target.missingRoles.length > 0) {
    print(`Refusing: role(s) ${target.missingRoles.join(', ')} missing; provision them first (the dump's grants and policies name them).`)
    return 1
  }

  print(`Restoring ${manifest.file} (${manifest.createdAt}) into ${target.database} (pg_restore, one transaction)…`)
  const started = Date.now()
  // Ownership and ACLs as dumped (no --no-owner/--no-acl). Data loads before triggers and before
  // RLS is enabled (pg_dump puts both in post-data), so the audit chain trigger does not re-hash.
  await runPgTool('pg_restore', ['--single-transaction', '--exit-on-error', dumpFile], { binDir: config.PG_BIN_DIR, connection: pgConnection(adminUrl) })
  print(`Restored in ${((Date.now() - started) / 1000).toFixed(1)} s. Checking…`)

  const problems = await compareWithManifest(adminUrl, manifest)
  let verified = ''
  try {
    // withAppDatabase first runs the services' startup check (assertSafeAppRole): RLS forced on
    // every table the app reaches, the app role neither owner nor BYPASSRLS nor able to rewrite audit.
    await withAppDatabase(config, async (db) => {
      const verify = await verifyAndRecordAuditChain(db, opsContext(), 'cli')
      if (!verify.ok) problems.push(`audit chain BROKEN at row id ${verify.firstBrokenId} (checked ${verify.checked} row(s))${manifest.auditVerify.ok ? '' : `; the manifest recorded a break at ${manifest.auditVerify.firstBrokenId} already`}`)
      else verified = `${verify.checked} row(s)`
      if (problems.length > 0) return
      await withTx(db, opsContext(), (tx) =>
        writeAudit(tx, {
          actorType: 'system', actorId: opsActor(), action: 'backup.restored', targetType: 'backup', targetId: manifest.file,
          details: { sha256: manifest.sha256, backupCreatedAt: manifest.createdAt, auditHeadId: manifest.auditHead.lastId },
        }),
      )
    })
  } catch (err) {
    problems.push((err as Error).message)
  }
  if (problems.length > 0) {
    print(`Restore of ${manifest.file} into ${target.database} does NOT match its backup:`)
    for (const problem of problems) print(`  - ${problem}`)
    return 1
  }
  const rows = Object.values(manifest.rowCounts).reduce((a, b) => a + b, 0)
  print(`Restored ${manifest.file} into ${target.database}: ${Object.keys(manifest.rowCounts).length} tables and ${rows} rows as in the manifest;`)
  print(`audit chain verified (${verified}, head #${manifest.auditHead.lastId}); RLS, grants, policies and triggers as dumped; app role checks passed.`)
  return 0
}

/** Row counts, audit head and security facts of the restored database against the manifest. */
async function compareWithManifest(adminUrl: string, manifest: BackupManifest): Promise<string[]> {
  const restored = await withOwner(adminUrl, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    await client.query("SELECT set_config($1, 'on', true)", [BACKUP_FLAG])
    const facts = { rowCounts: await countRows(client), auditHead: await readAuditHead(client), security: await securityFacts(client) }
    await client.query('COMMIT')
    return facts
  })
  const problems: string[] = []
  for (const table of new Set([...Object.keys(manifest.rowCounts), ...Object.keys(restored.rowCounts)])) {
    const want = manifest.rowCounts[table]
    const got = restored.rowCounts[table]
    if (want !== got) problems.push(`table ${table}: ${got ?? 'missing'} row(s), the manifest says ${want ?? 'no such table'}`)
  }
  const { lastId, lastHash } = restored.auditHead
  if (lastId !== manifest.auditHead.lastId || lastHash !== manifest.auditHead.lastHash) {
    problems.push(`audit head is #${lastId} ${lastHash}, the manifest says #${manifest.auditHead.lastId} ${manifest.auditHead.lastHash}`)
  }
  const had = new Set(manifest.security)
  const has = new Set(restored.security)
  for (const line of manifest.security.filter((l) => !has.has(l))) problems.push(`missing after restore: ${line}`)
  for (const line of restored.security.filter((l) => !had.has(l))) problems.push(`not in the backup: ${line}`)
  return problems
}
