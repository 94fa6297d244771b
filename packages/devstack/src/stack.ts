import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { startPostgres, type RunningPostgres } from './postgres.js'
import { provisionDatabase, roleUrl } from './provision.js'
import { startRedis, type RunningRedis } from './redis.js'
import { startS3, type RunningS3 } from './s3.js'

/** Every secret the local stack needs. Generated per machine (dev) or per run (tests). */
export interface StackSecrets {
  postgresSuperuser: string
  owner: string
  app: string
  readonly: string
  redis: string
  s3AccessKeyId: string
  s3SecretAccessKey: string
}

export const randomSecret = (bytes = 32) => randomBytes(bytes).toString('base64url')

export function generateStackSecrets(): StackSecrets {
  return {
    postgresSuperuser: randomSecret(),
    owner: randomSecret(),
    app: randomSecret(),
    readonly: randomSecret(),
    redis: randomSecret(),
    s3AccessKeyId: `PF${randomBytes(9).toString('hex').toUpperCase()}`,
    s3SecretAccessKey: randomSecret(),
  }
}

export interface StackSettings {
  /** Parent folder of the services' data (postgres/, redis/, s3/). */
  dataDir: string
  persistent: boolean
  ports: { postgres: number; redis: number; s3: number }
  secrets: StackSecrets
  database: string
  bucket: string
  log?: (service: string, line: string) => void
}

export interface RunningStack {
  postgres: RunningPostgres
  redis: RunningRedis
  s3: RunningS3
  /** The variables of docs/product.md §11 for these services. */
  env: Record<string, string>
  stop(): Promise<void>
}

/** Starts PostgreSQL, Redis and S3 on 127.0.0.1 side by side, then provisions the database roles. */
export async function startStack(settings: StackSettings): Promise<RunningStack> {
  const { secrets, ports, log } = settings
  const started: { stop(): Promise<void> }[] = []
  const track = <T extends { stop(): Promise<void> }>(service: T) => (started.push(service), service)
  try {
    const [postgres, redis, s3] = await Promise.all([
      startPostgres({
        dataDir: path.join(settings.dataDir, 'postgres'),
        port: ports.postgres,
        superuserPassword: secrets.postgresSuperuser,
        persistent: settings.persistent,
        onLog: (line) => log?.('postgres', line),
      }).then(track),
      startRedis({
        port: ports.redis,
        password: secrets.redis,
        dir: path.join(settings.dataDir, 'redis'),
        appendOnly: settings.persistent,
        onLog: (line) => log?.('redis', line),
      }).then(track),
      startS3({
        port: ports.s3,
        dir: path.join(settings.dataDir, 's3'),
        bucket: settings.bucket,
        accessKeyId: secrets.s3AccessKeyId,
        secretAccessKey: secrets.s3SecretAccessKey,
      }).then(track),
    ])
    await provisionDatabase(postgres.superuserUrl(), settings.database, {
      ownerPassword: secrets.owner,
      appPassword: secrets.app,
      readonlyPassword: secrets.readonly,
    })
    const env = {
      DATABASE_URL: roleUrl('printforge_app', secrets.app, ports.postgres, settings.database),
      DATABASE_ADMIN_URL: roleUrl('printforge_owner', secrets.owner, ports.postgres, settings.database),
      REDIS_URL: redis.url,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'auto',
      S3_BUCKET: settings.bucket,
      S3_ACCESS_KEY_ID: secrets.s3AccessKeyId,
      S3_SECRET_ACCESS_KEY: secrets.s3SecretAccessKey,
    }
    return { postgres, redis, s3, env, stop: () => stopAll(started) }
  } catch (err) {
    await stopAll(started)
    throw err
  }
}

async function stopAll(services: { stop(): Promise<void> }[]) {
  await Promise.allSettled(services.reverse().map((s) => s.stop()))
}
