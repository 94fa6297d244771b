import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs'
import path from 'node:path'
import { UsageError, type SetupCommand } from '../command.js'

/**
 * 32 random bytes as hex: safe in a connection URL without escaping, in a shell or YAML line and
 * as a command-line argument (never starts with "-"); 64 bytes, so past every 32-byte minimum.
 */
const hexSecret = () => randomBytes(32).toString('hex')

/**
 * Every secret a compose deployment reads from `secrets:`, by file name: the names are the
 * compose file's contract.
 */
export const DEPLOYMENT_SECRETS: Readonly<Record<string, () => string>> = {
  postgres_superuser_password: hexSecret,
  postgres_owner_password: hexSecret,
  postgres_app_password: hexSecret,
  postgres_readonly_password: hexSecret,
  redis_password: hexSecret,
  /** Medusa's http.jwtSecret and our JWT_SECRET (HS256). */
  jwt_secret: hexSecret,
  /** PRINTER_KEYS: one AES-256 key, id:base64(32 bytes); `keys rotate` adds the next ones. */
  printer_keys: () => `k1:${randomBytes(32).toString('base64')}`,
  /** The bundled MinIO's root credentials (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY). */
  s3_access_key_id: hexSecret,
  s3_secret_access_key: hexSecret,
  /** METRICS_TOKEN of the api and workers, and the bearer credential Prometheus scrapes them with. */
  metrics_token: hexSecret,
}

/**
 * Connection URLs on the compose network, built from the passwords above. The apps read URLs
 * (DATABASE_URL_FILE…) and PostgreSQL's init script reads bare passwords; both files of a pair
 * are written together, and compose gives each only to the containers that read it.
 */
export const DERIVED_SECRETS: Readonly<Record<string, (s: Record<string, string>) => string>> = {
  database_url: (s) => `postgresql://printforge_app:${s['postgres_app_password']}@postgres:5432/printforge`,
  database_admin_url: (s) => `postgresql://printforge_owner:${s['postgres_owner_password']}@postgres:5432/printforge`,
  redis_url: (s) => `redis://:${s['redis_password']}@redis:6379`,
}

/** Every file `secrets init` writes, with its content. */
export function generateDeploymentSecrets(): Record<string, string> {
  const values = Object.fromEntries(Object.entries(DEPLOYMENT_SECRETS).map(([name, generate]) => [name, generate()]))
  for (const [name, derive] of Object.entries(DERIVED_SECRETS)) values[name] = derive(values)
  return values
}

/**
 * `secrets init <dir>`: writes each secret into its own new file, mode 0600, in `dir` (created
 * 0700 when missing). It never overwrites: a deployment's running database keeps the password it
 * was initialised with, so a replaced file would lock the services out. Every file is checked
 * before any is written, so a refusal writes nothing. Prints file names, never contents.
 */
export const secretsCommand: SetupCommand = async (args, print) => {
  const [sub, dir, ...rest] = args
  if (sub !== 'init' || !dir || rest.length > 0) throw new UsageError('secrets: expected init <dir>')

  if (exists(dir) && !statSync(dir).isDirectory()) throw new Error(`secrets init: ${dir} is not a directory`)
  const values = generateDeploymentSecrets()
  const existing = Object.keys(values).map((name) => path.join(dir, name)).filter(exists)
  if (existing.length > 0) throw new Error(`secrets init: refusing to overwrite ${existing.join(', ')}; nothing was written`)
  if (!exists(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700) // mkdir's mode is filtered by the umask; this one is not
  }

  const written: string[] = []
  try {
    for (const [name, value] of Object.entries(values)) {
      const file = path.join(dir, name)
      writeNewFile(file, value)
      written.push(file)
    }
  } catch (err) {
    // All or nothing: a half-written set would be refused by the next run.
    for (const file of written) unlinkSync(file)
    throw err
  }
  for (const file of written) print(`wrote ${file}`)
  return 0
}

/** lstat: a dangling symlink counts as existing (writing through it would land elsewhere). */
function exists(file: string): boolean {
  try {
    lstatSync(file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
}

/**
 * O_CREAT|O_EXCL ('wx'): fails on anything already there, symlinks included, even one created
 * after the check. fchmod, because open's mode is filtered by the umask. No trailing newline: some
 * consumers of secret files take every byte.
 */
function writeNewFile(file: string, content: string): void {
  const fd = openSync(file, 'wx', 0o600)
  try {
    fchmodSync(fd, 0o600)
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
}
