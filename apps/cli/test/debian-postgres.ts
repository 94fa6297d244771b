// Debian's PostgreSQL 15, the production server's version (compose's postgres image and the CLI
// image's postgresql-client-15), started by a test of its own: the embedded PostgreSQL 18 that
// `npm test` shares has no pg_dump, and pg_dump refuses a server newer than itself.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort } from '@printforge/devstack'
import pg from 'pg'

export const PG15_BIN = '/usr/lib/postgresql/15/bin'

export interface DebianPostgres {
  port: number
  superuserUrl(database?: string): string
  stop(): Promise<void>
}

/** PostgreSQL refuses to run as root: as root, initdb and the server run as the `postgres` user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error('running as root but there is no postgres user (apt-get install postgresql-15 creates it)')
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}

async function waitUntilReady(url: string, deadline: number, log: () => string): Promise<void> {
  for (;;) {
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      return
    } catch {
      await client.end().catch(() => {})
      if (Date.now() > deadline) throw new Error(`PostgreSQL 15 did not start:\n${log()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
}

/** A throwaway cluster in a temporary folder on a free 127.0.0.1 port; `stop` removes it. */
export async function startDebianPostgres(): Promise<DebianPostgres> {
  if (!existsSync(path.join(PG15_BIN, 'postgres'))) {
    throw new Error(`Debian's PostgreSQL 15 is missing (${PG15_BIN}): npm test installs postgresql-15 with apt when run as root`)
  }
  const user = postgresUser()
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pf-pg15-'))
  await chmod(dir, 0o700)
  if (user) await chown(dir, user.uid, user.gid)
  const password = randomBytes(24).toString('hex')
  const pwfile = path.join(dir, 'superuser-password')
  await writeFile(pwfile, password, { mode: 0o600 })
  if (user) await chown(pwfile, user.uid, user.gid)
  const data = path.join(dir, 'data')
  const as = user ? { uid: user.uid, gid: user.gid } : {}
  const init = spawnSync(path.join(PG15_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C', '--no-sync'], { ...as, encoding: 'utf8' })
  await rm(pwfile, { force: true })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)

  const port = await freePort()
  // fsync off: a test cluster, thrown away afterwards; the CLI's own file fsyncs are unaffected.
  const server = spawn(path.join(PG15_BIN, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'], {
    ...as, stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  server.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4_000)))
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  const superuserUrl = (database = 'postgres') => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`
  try {
    await waitUntilReady(superuserUrl(), Date.now() + 30_000, () => log)
  } catch (err) {
    server.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    port,
    superuserUrl,
    stop: async () => {
      server.kill('SIGINT') // fast shutdown
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}
