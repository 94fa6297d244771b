// The whole platform on services of its own (PostgreSQL, Redis with AOF, an S3 server, the API
// and a worker, each a real process), with the faults the drill injects: kill, freeze, restart.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { findRepoRoot, freePort, provisionDatabase, roleUrl, runCli, startPostgres, startRedis, type RunningPostgres, type RunningRedis } from '@printforge/devstack'
import { createObjectStore, createS3Client, type ObjectStore } from '@printforge/storage'
import pg from 'pg'
import { spawnWorker, type WorkerProcess } from '../process.ts'
import { workerConfig } from '../helper.ts'

const root = findRepoRoot()
const secret = () => randomBytes(24).toString('hex')

export class DrillServices {
  readonly secrets = { pg: secret(), owner: secret(), app: secret(), readonly: secret(), redis: secret(), s3Id: `PF${randomBytes(8).toString('hex').toUpperCase()}`, s3Key: secret(), jwt: secret(), printerKey: randomBytes(32).toString('base64') }
  readonly ports = { pg: 0, redis: 0, s3: 0, api: 0 }
  readonly bucket = 'drill'
  readonly prefix = `drill${randomBytes(3).toString('hex')}`
  dir = ''
  postgres!: RunningPostgres
  redis!: RunningRedis
  s3!: ChildProcess
  api!: ChildProcess
  worker!: WorkerProcess
  store!: ObjectStore
  apiLog = ''

  get appUrl() {
    return roleUrl('printforge_app', this.secrets.app, this.ports.pg, 'drill')
  }
  get superuserUrl() {
    return this.postgres.superuserUrl('drill')
  }
  get redisUrl() {
    return `redis://:${this.secrets.redis}@127.0.0.1:${this.ports.redis}`
  }
  get apiUrl() {
    return `http://127.0.0.1:${this.ports.api}`
  }

  async start() {
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'pf-drill-'))
    await chmod(this.dir, 0o755)
    for (const k of Object.keys(this.ports) as (keyof typeof this.ports)[]) this.ports[k] = await freePort()
    await this.startPostgres()
    await provisionDatabase(this.postgres.superuserUrl(), 'drill', { ownerPassword: this.secrets.owner, appPassword: this.secrets.app, readonlyPassword: this.secrets.readonly })
    await runCli(root, ['migrate'], { DATABASE_URL: this.appUrl, DATABASE_ADMIN_URL: roleUrl('printforge_owner', this.secrets.owner, this.ports.pg, 'drill'), NODE_ENV: 'test' })
    await this.startRedis()
    await this.startS3()
    this.store = createObjectStore(createS3Client({ endpoint: `http://127.0.0.1:${this.ports.s3}`, region: 'auto', bucket: this.bucket, accessKeyId: this.secrets.s3Id, secretAccessKey: this.secrets.s3Key }), this.bucket)
    await this.startApi()
    await this.startWorker()
  }

  async stop() {
    await this.worker?.kill('SIGKILL').catch(() => {})
    this.api?.kill('SIGKILL')
    this.s3?.kill('SIGKILL')
    this.resumePostgres()
    await this.redis?.stop().catch(() => {})
    await this.postgres?.stop().catch(() => {})
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
  }

  // --- PostgreSQL ---------------------------------------------------------------------------
  async startPostgres() {
    this.postgres = await startPostgres({ dataDir: path.join(this.dir, 'pg'), port: this.ports.pg, superuserPassword: this.secrets.pg, persistent: true })
  }
  /** A backend killed with SIGKILL: the postmaster resets every connection and recovers (a crash). */
  async crashPostgresBackend() {
    const client = new pg.Client({ connectionString: this.superuserUrl })
    await client.connect()
    const { rows } = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = 'drill' AND application_name = 'printforge' LIMIT 1`)
    await client.end()
    const pid = rows[0]?.pid ?? this.postgresPids()[1]
    if (pid) process.kill(pid, 'SIGKILL')
  }
  private postgresPids(): number[] {
    const postmaster = Number(readFileSync(path.join(this.dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
    const children = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
        return Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === postmaster
      } catch {
        return false
      }
    })
    return [postmaster, ...children.map(Number)]
  }
  private frozen: number[] = []
  /** SIGSTOP of the postmaster and every backend: connections stay open, nothing answers. */
  freezePostgres() {
    this.frozen = this.postgresPids()
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP')
  }
  resumePostgres() {
    for (const pid of this.frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT')
      } catch {
        // exited meanwhile
      }
    }
  }

  // --- Redis (AOF on, as deployed) -----------------------------------------------------------
  async startRedis() {
    this.redis = await startRedis({ port: this.ports.redis, password: this.secrets.redis, dir: path.join(this.dir, 'redis'), appendOnly: true })
  }
  killRedis() {
    this.redis.process.kill('SIGKILL')
  }

  // --- S3 ------------------------------------------------------------------------------------
  async startS3() {
    const env = { ...process.env, S3_PORT: String(this.ports.s3), S3_DIR: path.join(this.dir, 's3'), S3_BUCKET: this.bucket, S3_ACCESS_KEY_ID: this.secrets.s3Id, S3_SECRET_ACCESS_KEY: this.secrets.s3Key }
    this.s3 = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/worker/test/drill/s3-server.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'] })
    await untilOutput(this.s3, 's3 ready', 's3 server')
  }
  killS3() {
    this.s3.kill('SIGKILL')
  }

  // --- API and worker --------------------------------------------------------------------------
  private commonEnv() {
    return {
      PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', DATABASE_URL: this.appUrl, REDIS_URL: this.redisUrl,
      S3_ENDPOINT: `http://127.0.0.1:${this.ports.s3}`, S3_BUCKET: this.bucket, S3_ACCESS_KEY_ID: this.secrets.s3Id, S3_SECRET_ACCESS_KEY: this.secrets.s3Key,
      PRINTER_KEYS: `k1:${this.secrets.printerKey}`, QUEUE_PREFIX: this.prefix,
    }
  }
  async startApi() {
    this.api = spawn(process.execPath, [path.join(root, 'apps/api/dist/server.js')], {
      env: { ...this.commonEnv(), LOG_LEVEL: 'warn', JWT_SECRET: this.secrets.jwt, API_PORT: String(this.ports.api), ALLOWED_ORIGINS: 'https://shop.example.com', DEFAULT_MONTHLY_QUOTA: '10000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.api.stdout?.on('data', (d: Buffer) => (this.apiLog += d.toString()))
    this.api.stderr?.on('data', (d: Buffer) => (this.apiLog += d.toString()))
    for (let i = 0; i < 200; i++) {
      if (await fetch(`${this.apiUrl}/health`).then((r) => r.ok, () => false)) return
      if (this.api.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`API did not start:\n${this.apiLog.slice(-2_000)}`)
  }
  apiAlive() {
    return this.api.exitCode === null && this.api.signalCode === null
  }
  async killApi() {
    const exited = new Promise((r) => this.api.once('exit', r))
    this.api.kill('SIGKILL')
    await exited
  }
  async startWorker() {
    const config = workerConfig({ appUrl: this.appUrl, bucket: this.bucket, redisUrl: this.redisUrl }, { S3_ENDPOINT: `http://127.0.0.1:${this.ports.s3}`, S3_ACCESS_KEY_ID: this.secrets.s3Id, S3_SECRET_ACCESS_KEY: this.secrets.s3Key, PRINTER_KEYS: `k1:${this.secrets.printerKey}`, WORKER_QUEUES: 'scans,maintenance' })
    this.worker = await spawnWorker(config, { QUEUE_PREFIX: this.prefix, WORKER_LOCK_MS: '3000', SWEEP_EVERY_MS: '2000', SWEEP_MIN_AGE_MS: '3000', NODE_ENV: 'production' }, 'dist')
  }
}

function untilOutput(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 30_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes(text)) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`${what} exited (${code})`)))
  })
}
