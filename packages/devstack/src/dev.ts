// `npm run dev`: the whole platform on 127.0.0.1 with embedded defaults, until Ctrl-C.
// Services: PostgreSQL (embedded), Redis (Debian's redis-server), S3 (s3rver). Then migrations and
// the local admin's staff grant, through the ops CLI exactly as ops would run them.
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { startDevApi, startDevWorker, type DevProcess } from './dev-processes.js'
import { loadDevEnv, stackFromEnv } from './dev-env.js'
import { startDevPrinters } from './dev-printers.js'
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

const [stack, printers] = await Promise.all([startStack({ ...settings, dataDir, persistent: true }), startDevPrinters(root)])
const appEnv = { ...env, NODE_ENV: env['NODE_ENV'] ?? 'development', PRINTER_EXTRA_CA: printers.caFile }
// The worker keeps its own metrics port whatever METRICS_PORT the API is given in .env.
const workerMetrics = { host: env['METRICS_HOST'] ?? '127.0.0.1', port: '9465' }
const apiMetrics = { host: env['METRICS_HOST'] ?? '127.0.0.1', port: env['METRICS_PORT'] ?? '9464' }
let api: (DevProcess & { url: string }) | undefined
let worker: DevProcess | undefined

let stopping = false
async function shutdown(reason: string, code = 0) {
  if (stopping) return
  stopping = true
  console.log(`\n${reason}: stopping the local stack…`)
  await Promise.all([api?.stop(), worker?.stop()])
  await printers.farm.stop()
  await stack.stop()
  process.exit(code)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

let tokens = { customer: '', admin: '' }
try {
  console.log(await runCli(root, ['migrate'], appEnv))
  console.log(await runCli(root, ['staff', 'grant', settings.adminUserId, 'admin'], appEnv))
  // Register the virtual printers (or refresh their ports, which change every start).
  for (const p of printers.farm.printers) {
    console.log(await runCli(root, ['printers', 'add', '--name', `Virtual ${p.model}`, '--model', p.model, '--serial', p.serial,
      '--host', p.host, '--access-code', p.accessCode, '--mqtt-port', String(p.mqttPort), '--ftps-port', String(p.ftpsPort)], appEnv))
  }
  api = await startDevApi(root, appEnv)
  worker = await startDevWorker(root, { ...appEnv, METRICS_HOST: workerMetrics.host, METRICS_PORT: workerMetrics.port })
  tokens = {
    customer: await runCli(root, ['token', 'mint', '--customer', 'cus_local_customer'], appEnv),
    admin: await runCli(root, ['token', 'mint', '--user', settings.adminUserId], appEnv),
  }
} catch (err) {
  console.error((err as Error).message)
  await shutdown('setup failed', 1)
}

console.log(`
PrintForge local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s${generated ? ' (new secrets written to .env.local)' : ''}
  PostgreSQL  127.0.0.1:${stack.postgres.port}  database ${settings.database} (URLs in .env.local)
  Redis       127.0.0.1:${stack.redis.port}
  S3          ${stack.s3.endpoint}  bucket ${settings.bucket}
  Printers    ${printers.farm.printers.map((p) => `${p.model} ${p.serial} (mqtts :${p.mqttPort}, ftps :${p.ftpsPort})`).join('\n              ')}
              access codes in ${path.relative(root, printers.specsFile)}, test CA ${path.relative(root, printers.caFile)}
  API         ${api?.url}  (OpenAPI: ${api?.url}/docs)
              metrics http://${apiMetrics.host}:${apiMetrics.port}/metrics
  Worker      pid ${worker?.process.pid}: scan ingest, print dispatch, printer sessions, maintenance
              metrics http://${workerMetrics.host}:${workerMetrics.port}/metrics
  Local admin ${settings.adminUserId} (staff role: admin)
  Data        ${dataDir}

Customer token (cus_local_customer, 24 h):
  ${tokens.customer}
Admin token (${settings.adminUserId}, 24 h):
  ${tokens.admin}

Try: curl -H "Authorization: Bearer $TOKEN" ${api?.url}/me
Ctrl-C stops everything.`)
