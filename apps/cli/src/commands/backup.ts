import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import type { CliConfig } from '@printforge/config'
import { verifyAndRecordAuditChain, withTx, writeAudit } from '@printforge/db'
import { writeFileAtomically, writeStreamAtomically, type BackupManifest, MANIFEST_FORMAT, manifestPathFor } from '../backup/files.js'
import { BACKUP_FLAG, BACKUP_PGOPTIONS, countRows, readAuditHead, securityFacts, tablesWithoutBackupPolicy, withOwner } from '../backup/owner-session.js'
import { pgConnection, pgToolVersion, runPgTool } from '../backup/pg-tools.js'
import { UsageError, type Command } from '../command.js'
import { requireAdminUrl, withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'
import { restoreBackup } from './backup-restore.js'

export const backupCommand: Command = async (args, config, print) => {
  const [sub, ...rest] = args
  if (sub === 'create') return createBackup(rest, config, print)
  if (sub === 'restore') return restoreBackup(rest, config, print)
  throw new UsageError('backup: expected create or restore')
}

/** 2026-11-30T11:10:44.293Z → 20261130T111044Z: sorts by time, safe in any file system. */
const stamp = (at: Date) => at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')

/**
 * `backup create --out <dir> [--allow-broken]`: verifies the audit chain (recorded as a run),
 * then dumps the database (pg_dump -Fc, owner role) to `<dir>/printforge-<UTC time>.dump` with a
 * manifest next to it, and audits `backup.created`. Row counts, the audit head and the security
 * facts in the manifest are read in the very snapshot pg_dump dumps (pg_export_snapshot), so a
 * restore must reproduce them exactly even while the platform keeps writing.
 */
async function createBackup(args: string[], config: CliConfig, print: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args, strict: true, options: { out: { type: 'string' }, 'allow-broken': { type: 'boolean', default: false } } })
  if (!values.out) throw new UsageError('backup create: --out <dir> is required')
  const adminUrl = requireAdminUrl(config)
  const outDir = path.resolve(values.out)
  await mkdir(outDir, { recursive: true, mode: 0o700 })
  const pgDump = await pgToolVersion(config.PG_BIN_DIR, 'pg_dump')

  print('Verifying the audit chain (batched, recorded in audit_verifications)…')
  const verify = await withAppDatabase(config, (db) => verifyAndRecordAuditChain(db, opsContext(), 'cli'))
  if (!verify.ok) {
    print(`Audit chain BROKEN at row id ${verify.firstBrokenId} (checked ${verify.checked} row(s)).`)
    if (!values['allow-broken']) {
      print('Refusing to back up a broken chain: investigate first, or pass --allow-broken to keep the evidence (the manifest records the break).')
      return 1
    }
  } else {
    print(`Audit chain verified: ${verify.checked} row(s).`)
  }

  const createdAt = new Date()
  const dumpFile = path.join(outDir, `printforge-${stamp(createdAt)}.dump`)
  const manifest = await withOwner(adminUrl, async (client): Promise<BackupManifest> => {
    const unreadable = await tablesWithoutBackupPolicy(client)
    if (unreadable.length > 0) {
      throw new Error(`forced RLS would hide rows of ${unreadable.join(', ')} from the dump: give each a backup_read policy (see migration 20261201080000_backup_read)`)
    }
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    await client.query("SELECT set_config($1, 'on', true)", [BACKUP_FLAG])
    const { rows } = await client.query<{ snapshot: string; database: string; version: string }>(
      "SELECT pg_export_snapshot() AS snapshot, current_database() AS database, current_setting('server_version') AS version",
    )
    const { snapshot, database, version } = rows[0] as { snapshot: string; database: string; version: string }
    print('Counting rows in the dump snapshot…')
    const rowCounts = await countRows(client)
    const auditHead = await readAuditHead(client)
    const security = await securityFacts(client)
    print(`Dumping ${database} (pg_dump -Fc) to ${dumpFile}…`)
    const started = Date.now()
    const written = await writeStreamAtomically(dumpFile, (sink) =>
      // Our transaction stays open until pg_dump ends: the snapshot it imports must outlive its start.
      runPgTool('pg_dump', ['--format=custom', `--snapshot=${snapshot}`, '--enable-row-security'], {
        binDir: config.PG_BIN_DIR, connection: pgConnection(adminUrl), options: BACKUP_PGOPTIONS, stdout: sink,
      }),
    )
    await client.query('COMMIT')
    print(`Dumped ${written.bytes} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
    return {
      format: MANIFEST_FORMAT, createdAt: createdAt.toISOString(), file: path.basename(dumpFile), database, serverVersion: version, pgDump,
      sha256: written.sha256, bytes: written.bytes, auditVerify: verify, auditHead, rowCounts, security,
    }
  })
  // The manifest last: its presence marks a complete backup (restore refuses a dump without one).
  const manifestFile = manifestPathFor(dumpFile)
  await writeFileAtomically(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`)

  const totalRows = Object.values(manifest.rowCounts).reduce((a, b) => a + b, 0)
  await withAppDatabase(config, (db) =>
    withTx(db, opsContext(), (tx) =>
      writeAudit(tx, {
        actorType: 'system', actorId: opsActor(), action: 'backup.created', targetType: 'backup', targetId: manifest.file,
        details: {
          sha256: manifest.sha256, bytes: manifest.bytes, tables: Object.keys(manifest.rowCounts).length, rows: totalRows,
          auditVerified: verify.ok, auditHeadId: manifest.auditHead.lastId, serverVersion: manifest.serverVersion,
        },
      }),
    ),
  )
  print(`Backup written: ${dumpFile} (${manifest.bytes} bytes, sha256 ${manifest.sha256})`)
  print(`Manifest: ${manifestFile} (${Object.keys(manifest.rowCounts).length} tables, ${totalRows} rows, audit head #${manifest.auditHead.lastId})`)
  return 0
}
