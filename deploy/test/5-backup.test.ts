import assert from 'node:assert/strict'
import { chownSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import { compose, containers, docker, secret } from './stack.ts'

// The app image's user: the backup folder and the URL files below must be its own.
const APP_UID = 1000

test('backup create, then restore into a fresh database: audit verify passes, row counts equal', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pfdeploy-backups-'))
  chownSync(dir, APP_UID, APP_UID)
  const volume = ['-v', `${dir}:/backups`]
  const created = compose(['run', '--rm', ...volume, 'cli', 'backup', 'create', '--out', '/backups'])
  t.diagnostic(created.stdout.trim())
  const dump = readdirSync(dir).find((f) => f.endsWith('.dump'))
  assert.ok(dump, 'a dump was written')
  const manifest = JSON.parse(readFileSync(path.join(dir, dump.replace(/\.dump$/, '.json')), 'utf8')) as { rowCounts: Record<string, number> }
  assert.ok((manifest.rowCounts['scan_jobs'] ?? 0) > 0, 'the earlier tests left scans to back up')

  // A fresh database on the same server, provisioned (roles exist) but empty.
  const [pg] = containers('postgres')
  docker(['exec', pg!, 'psql', '-U', 'postgres', '-d', 'postgres', '-c', 'CREATE DATABASE printforge_restore OWNER printforge_owner'])
  const urlFile = (name: string, role: string, password: string) => {
    const file = path.join(dir, name)
    writeFileSync(file, `postgresql://${role}:${password}@postgres:5432/printforge_restore`, { mode: 0o600 })
    chownSync(file, APP_UID, APP_UID)
  }
  urlFile('admin_url', 'printforge_owner', secret('postgres_owner_password'))
  urlFile('app_url', 'printforge_app', secret('postgres_app_password'))
  const env = ['-e', 'DATABASE_ADMIN_URL_FILE=/backups/admin_url', '-e', 'DATABASE_URL_FILE=/backups/app_url']
  const restored = compose(['run', '--rm', ...volume, ...env, 'cli', 'backup', 'restore', `/backups/${dump}`])
  t.diagnostic(restored.stdout.trim())

  // The superuser reads past RLS. The restore adds rows of its own: its verification run and
  // the backup.restored audit row.
  const added: Record<string, number> = { audit_log: 1, audit_verifications: 1 }
  const count = (table: string) => Number(docker(['exec', pg!, 'psql', '-U', 'postgres', '-d', 'printforge_restore', '-At', '-c', `SELECT count(*) FROM ${table}`]).stdout.trim())
  for (const [table, rows] of Object.entries(manifest.rowCounts)) {
    assert.equal(count(table), rows + (added[table] ?? 0), table)
  }
  const verify = compose(['run', '--rm', ...volume, ...env, 'cli', 'audit', 'verify'])
  assert.match(verify.stdout, /Audit chain verified/)
})
