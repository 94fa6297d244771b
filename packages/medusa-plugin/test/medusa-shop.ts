// A real Medusa 2 for the e2e test: the shop project of ../e2e/shop, installed once into a cache
// directory (../e2e/install-shop.mjs), on a database of its own on the test PostgreSQL, with the
// built plugin listed in its medusa-config by path. Medusa's own CLI runs every step (db:migrate,
// exec of the seed, start), as a Medusa developer would.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { copyFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { dropDatabase, roleUrl, testEnvironment } from '@printforge/devstack'
import type { ShopSeed } from './store-checkout.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const pluginDir = path.resolve(here, '..')
const shopSource = path.join(pluginDir, 'e2e', 'shop')

export interface PreparedShop {
  dir: string
  databaseUrl: string
  seed: ShopSeed
  /** What `medusa start` needs besides the PrintForge settings. */
  baseEnv: Record<string, string>
  drop(): Promise<void>
}

/** The installed shop's directory (installs it on first use: about two minutes). */
function shopDir(): string {
  const result = spawnSync(process.execPath, [path.join(pluginDir, 'e2e', 'install-shop.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  if (result.status !== 0) throw new Error('installing the e2e Medusa shop failed')
  return result.stdout.trim()
}

/** `shown` is what an error message names instead of `args`, so a password never reaches a log. */
function medusa(dir: string, args: string[], env: Record<string, string>, shown = args.join(' ')): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'node_modules/@medusajs/cli/cli.js'), ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`medusa ${shown} exited ${code}:\n${out.slice(-3000)}`))))
  })
}

/**
 * Installs (once), creates the database, migrates and seeds. Needs no PrintForge settings yet
 * (the config is given placeholders: migrations and the seed never call the plugin), so it runs
 * while the PrintForge side is being set up.
 */
export interface ShopOptions {
  /** Medusa's JWT secret: given, so PrintForge can verify the tokens this Medusa issues (staff sign-in). */
  jwtSecret?: string
  /** Origins allowed to call /auth/* from a browser (the staff console's). */
  authCors?: string
}

export async function prepareShop(options: ShopOptions = {}): Promise<PreparedShop> {
  const dir = shopDir()
  // The config and the seed are this repository's: copied in each run, so an edit takes effect.
  for (const file of ['medusa-config.js', 'seed.js', 'redeliver.js']) copyFileSync(path.join(shopSource, file), path.join(dir, file))
  const env = testEnvironment()
  const name = `medusa_${randomBytes(6).toString('hex')}`
  const superuserUrl = roleUrl('postgres', env.passwords.superuser, env.postgresPort, 'postgres')
  const admin = new pg.Client({ connectionString: superuserUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const databaseUrl = roleUrl('postgres', env.passwords.superuser, env.postgresPort, name)
  const baseEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? tmpdir(),
    NODE_ENV: 'production', // `medusa start` sets it anyway; without it the CLI looks for ts-node
    MEDUSA_DISABLE_TELEMETRY: 'true',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: options.jwtSecret ?? randomBytes(32).toString('base64url'),
    ...(options.authCors ? { AUTH_CORS: options.authCors } : {}),
    COOKIE_SECRET: randomBytes(32).toString('base64url'),
    PRINTFORGE_PLUGIN_PATH: pluginDir,
  }
  const placeholders = {
    PRINTFORGE_URL: 'http://127.0.0.1:9',
    PRINTFORGE_API_KEY: 'unused',
    PRINTFORGE_WEBHOOK_SECRET: 'unused',
  }
  await medusa(dir, ['db:migrate'], { ...baseEnv, ...placeholders })
  const seedFile = path.join(tmpdir(), `${name}-seed.json`)
  await medusa(dir, ['exec', './seed.js'], { ...baseEnv, ...placeholders, SEED_OUTPUT: seedFile })
  const seed = JSON.parse(readFileSync(seedFile, 'utf8')) as ShopSeed
  return {
    dir, databaseUrl, seed, baseEnv,
    drop: () => dropDatabase(superuserUrl, name),
  }
}

export interface PrintForgeSettings {
  PRINTFORGE_URL: string
  PRINTFORGE_API_KEY: string
  PRINTFORGE_WEBHOOK_SECRET: string
}

export interface RunningShop {
  url: string
  child: ChildProcess
  output(): string
  /** `medusa exec <script>` against the same database and settings (another process). */
  exec(script: string, extra?: Record<string, string>): Promise<string>
  /** `medusa user --email=… --password=…`: an admin user, as a shop's owner creates one. */
  createUser(email: string, password: string): Promise<void>
  /** The order's metadata, read from Medusa's database. */
  orderMetadata(orderId: string): Promise<Record<string, unknown> | null>
  stop(): Promise<void>
}

export async function startShop(shop: PreparedShop, port: number, settings: PrintForgeSettings): Promise<RunningShop> {
  const env = { ...shop.baseEnv, ...settings }
  // Its own process group: stop() ends Medusa and anything it started, and nothing else.
  const child = spawn(process.execPath, [path.join(shop.dir, 'node_modules/@medusajs/cli/cli.js'), 'start', '-H', '127.0.0.1', '-p', String(port)], {
    cwd: shop.dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`medusa start exited ${child.exitCode}:\n${out.slice(-3000)}`)
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false)
    if (ok) break
    if (Date.now() > deadline) throw new Error(`medusa did not answer /health in 90 s:\n${out.slice(-3000)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  const db = new pg.Client({ connectionString: shop.databaseUrl })
  db.on('error', () => {}) // a dropped database ends it; queries still reject on their own
  await db.connect()
  return {
    url, child,
    output: () => out,
    exec: (script, extra = {}) => medusa(shop.dir, ['exec', script], { ...env, ...extra }),
    // `--password=…`, not `-p …`: a random base64url password may begin with '-', and yargs then
    // reads it as a cluster of flags (CI saw "Unknown arguments: 9, V, B, …").
    createUser: async (email, password) => void (await medusa(shop.dir, ['user', `--email=${email}`, `--password=${password}`], env, `user --email=${email} --password=…`)),
    orderMetadata: async (orderId) => ((await db.query<{ metadata: Record<string, unknown> | null }>('SELECT metadata FROM "order" WHERE id = $1', [orderId])).rows[0]?.metadata ?? null),
    stop: async () => {
      await db.end()
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGTERM')
        } catch { /* already gone */ }
        const killer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000)
        await exited
        clearTimeout(killer)
      }
    },
  }
}
