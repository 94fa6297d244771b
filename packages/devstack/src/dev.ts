// `npm run dev`: the whole platform on 127.0.0.1 with embedded defaults, until Ctrl-C.
// Services: PostgreSQL (embedded), Redis (Debian's redis-server), S3 (s3rver). Then migrations and
// the local admin's staff grant, through the ops CLI exactly as ops would run them.
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { loadDevEnv, stackFromEnv } from './dev-env.js'
import { findRepoRoot, runCli } from './repo.js'
import { startStack } from './stack.js'

const root = findRepoRoot()
const started = Date.now()
const { values: env, generated } = loadDevEnv(root)
const settings = stackFromEnv(env)

// Data lives outside the repository (PostgreSQL runs as the postgres user, who cannot enter
// /root or /work), keyed by checkout and superuser secret so a regenerated .env.local starts clean.
const key = createHash('sha256').update(`${root}\0${settings.secrets.postgresSuperuser}`).digest('hex').slice(0, 12)
const dataDir = path.join(os.tmpdir(), 'printforge-dev', key)

const stack = await startStack({ ...settings, dataDir, persistent: true })

let stopping = false
async function shutdown(reason: string, code = 0) {
  if (stopping) return
  stopping = true
  console.log(`\n${reason}: stopping the local stack…`)
  await stack.stop()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

try {
  console.log(await runCli(root, ['migrate'], env))
  console.log(await runCli(root, ['staff', 'grant', settings.adminUserId, 'admin'], env))
} catch (err) {
  console.error((err as Error).message)
  await shutdown('setup failed', 1)
}

console.log(`
PrintForge local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s${generated ? ' (new secrets written to .env.local)' : ''}
  PostgreSQL  127.0.0.1:${stack.postgres.port}  database ${settings.database} (URLs in .env.local)
  Redis       127.0.0.1:${stack.redis.port}
  S3          ${stack.s3.endpoint}  bucket ${settings.bucket}
  Local admin ${settings.adminUserId} (staff role: admin)
  Data        ${dataDir}
Ctrl-C stops everything.`)
