// `npm run deploy:test`: proves the compose deployment on this machine. Starts a container engine
// of its own (no system service needed), builds the stand-in base images where no registry is
// reachable (deploy/standins/), builds the PrintForge images, generates secrets and a certificate,
// brings the whole stack up from nothing, and runs deploy/test/*.test.ts through nginx over TLS
// only. Everything it started (engine, containers, images, networks, volumes, files) is removed at
// the end, also when it fails. Prints the time of each phase.
//   DEPLOY_TEST_CACHE=<dir>  keep the engine's image store there between runs (faster local reruns)
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { aptInstall, build, ensureNodeModules, root, step } from './bootstrap.mjs'

const DOCKER = '/usr/bin/docker' // Debian's docker.io (with BuildKit); /usr/local/bin/docker may be a bare client
const PROJECT = 'pfdeploy'
const HTTPS_PORT = '18443'
const HTTP_PORT = '18080'
const work = mkdtempSync(path.join(tmpdir(), 'printforge-deploy-'))
const dataRoot = process.env.DEPLOY_TEST_CACHE ?? path.join(work, 'engine')
const env = { ...process.env, DOCKER_HOST: `unix://${work}/docker.sock`, DOCKER_BUILDKIT: '1', COMPOSE_DOCKER_CLI_BUILD: '1' }
const timings = []
const started = Date.now()

async function phase(name, fn) {
  step(`deploy:test — ${name}`)
  const t = Date.now()
  try {
    return await fn()
  } finally {
    timings.push([name, (Date.now() - t) / 1000])
  }
}

/** Runs a command with inherited output; throws (never exits: the clean-up must run) on failure. */
function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, ...options })
  if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.slice(0, 4).join(' ')}… failed (exit ${result.status ?? result.signal})`)
}
const capture = (command, args) => spawnSync(command, args, { env, encoding: 'utf8' })
const compose = (...args) => ['-p', PROJECT, '-f', path.join(root, 'docker-compose.yml'), '--env-file', path.join(work, 'compose.env'), ...args]

/** Debian's engine, compose v1, debootstrap (stand-ins), sslscan and openssl; our build. */
function prepare() {
  const needed = [['dockerd', 'docker.io'], ['docker-compose', 'docker-compose'], ['debootstrap', 'debootstrap'], ['sslscan', 'sslscan'], ['openssl', 'openssl']]
  const missing = needed.filter(([bin]) => spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0).map(([, pkg]) => pkg)
  if (missing.length > 0) aptInstall(missing, 'the container engine and deployment tools')
  // The host's own build: `secrets init` runs from it, and the suite imports test helpers.
  ensureNodeModules()
  build()
}

let engine
async function startEngine() {
  mkdirSync(dataRoot, { recursive: true })
  const log = openSync(path.join(work, 'dockerd.log'), 'a')
  engine = spawn('dockerd', ['--data-root', dataRoot, '--exec-root', path.join(work, 'exec'), '--pidfile', path.join(work, 'dockerd.pid'), '-H', env.DOCKER_HOST], {
    stdio: ['ignore', log, log],
    detached: true,
  })
  for (let i = 0; i < 100; i++) {
    if (capture(DOCKER, ['version']).status === 0) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('dockerd did not start')
}

function buildImages() {
  const ca = '/etc/ssl/certs/ca-certificates.crt'
  const secret = existsSync(ca) ? ['--secret', `id=ca,src=${ca}`] : []
  const bases = ['--build-arg', 'NODE_IMAGE=localhost/standin-node:22', '--build-arg', 'NGINX_IMAGE=localhost/standin-nginx:latest']
  for (const target of ['api', 'worker', 'cli', 'printer-sim', 'edge']) {
    sh(DOCKER, ['build', '-q', ...secret, ...bases, '--target', target, '-t', `printforge/${target}:deploy-test`, root])
  }
}

/** The host's IPv4 routes as [network as an integer, prefix length, destination, device] (iproute2's JSON). */
function hostRoutes() {
  const out = spawnSync('ip', ['-4', '-j', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })
  if (out.status !== 0) return []
  const toInt = (ip) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0)
  return JSON.parse(out.stdout)
    .filter((r) => r.dst && r.dst !== 'default' && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(r.dst))
    .map((r) => {
      const [ip, bits = '32'] = r.dst.split('/')
      return [toInt(ip), Number(bits), r.dst, r.dev]
    })
}

/**
 * The edge and printers networks' /24s. The compose defaults (172.30.0.0/24, 172.31.0.0/24) unless
 * the host already routes them: a bridge left by an engine that was killed keeps its route, and the
 * kernel then sends nginx's published ports into that dead bridge (every connection reset). The
 * fallbacks are in 10.213.0.0/16, which Docker never allocates on its own.
 */
function freeSubnets() {
  const routes = hostRoutes()
  const overlaps = (net) => routes.find(([base, bits]) => {
    const span = 2 ** (32 - Math.min(bits, 24))
    return Math.floor(base / span) === Math.floor(net / span)
  })
  const candidates = [[172, 30], [172, 31], ...Array.from({ length: 200 }, (_, i) => [10, 213, i + 1])]
  const free = []
  for (const [a, b, c = 0] of candidates) {
    const net = ((a * 256 + b) * 256 + c) * 256
    const taken = overlaps(net)
    const name = `${a}.${b}.${c}.0/24`
    if (taken) console.log(`deploy:test: ${name} is taken on this host (${taken[2]} dev ${taken[3]}); trying another subnet`)
    else free.push([a, b, c])
    if (free.length === 2) break
  }
  const [edge, printers] = free.map(([a, b, c]) => `${a}.${b}.${c}`)
  return [`EDGE_SUBNET=${edge}.0/24`, `EDGE_NGINX_IP=${edge}.10`, `PRINTERS_SUBNET=${printers}.0/24`, `PRINTER_SIM_IP=${printers}.20`]
}

function writeDeployment() {
  const secrets = path.join(work, 'secrets')
  const tls = path.join(work, 'tls')
  sh(process.execPath, [path.join(root, 'apps/cli/dist/main.js'), 'secrets', 'init', secrets])
  sh('bash', [path.join(root, 'deploy/make-cert.sh'), tls, 'localhost'])
  sh('bash', [path.join(root, 'deploy/secrets-owners.sh'), secrets, tls])
  writeFileSync(
    path.join(work, 'compose.env'),
    [
      `PRINTFORGE_SECRETS_DIR=${secrets}`,
      `PRINTFORGE_TLS_DIR=${tls}`,
      'PUBLIC_HOST=localhost',
      'ALLOWED_ORIGINS=https://shop.example.com',
      'MEDUSA_URL=https://shop.example.com',
      'CONSOLE_IMAGE_ORIGINS=http://localhost:9000',
      `HTTPS_PORT=127.0.0.1:${HTTPS_PORT}`,
      `HTTP_PORT=127.0.0.1:${HTTP_PORT}`,
      'PRINTFORGE_API_IMAGE=printforge/api:deploy-test',
      'PRINTFORGE_WORKER_IMAGE=printforge/worker:deploy-test',
      'PRINTFORGE_CLI_IMAGE=printforge/cli:deploy-test',
      'POSTGRES_IMAGE=localhost/standin-postgres:latest',
      'REDIS_IMAGE=localhost/standin-redis:latest',
      'PRINTFORGE_EDGE_IMAGE=printforge/edge:deploy-test',
      'MINIO_IMAGE=localhost/standin-minio:latest',
      'PROMETHEUS_IMAGE=localhost/standin-prometheus:latest',
      'PRINTFORGE_PRINTER_SIM_IMAGE=printforge/printer-sim:deploy-test',
      'COMPOSE_PROFILES=minio,printers,monitoring',
      'PRINTER_EXTRA_CA=/run/printer-ca/ca.pem',
      // Prints take seconds, not minutes.
      'PRINTER_SIM_SPEED=20',
      ...freeSubnets(),
      '',
    ].join('\n'),
  )
  return { secrets, tls }
}

/** deploy/test/*.test.ts in name order: edge, isolation, scans, backup, monitoring, then the faults that disrupt. */
const suite = () => readdirSync(path.join(root, 'deploy/test')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join(root, 'deploy/test', f))

async function up() {
  // From nothing: with DEPLOY_TEST_CACHE the engine keeps images between runs, never a volume.
  capture('docker-compose', compose('down', '-v', '--remove-orphans', '-t', '5'))
  sh('docker-compose', compose('up', '-d', '--no-build', '--scale', 'api=2', '--scale', 'worker-scans=1'))
  const deadline = Date.now() + 180_000
  for (;;) {
    const ids = capture('docker-compose', compose('ps', '-q')).stdout.split('\n').filter(Boolean)
    const states = ids.map((id) => capture(DOCKER, ['inspect', '-f', '{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', id]).stdout.trim())
    const waiting = states.filter((s) => !/ running( healthy)?$/.test(s) && !/migrate_1 exited/.test(s))
    if (waiting.length === 0 && states.length > 0) return
    if (Date.now() > deadline) throw new Error(`stack not healthy after 180 s:\n${states.join('\n')}`)
    await new Promise((r) => setTimeout(r, 2_000))
  }
}

function cleanup() {
  if (capture(DOCKER, ['version']).status === 0) {
    const logs = capture('docker-compose', compose('logs', '--no-color', '--tail', '80'))
    if (process.exitCode) console.log(logs.stdout.slice(-20_000))
    capture('docker-compose', compose('down', '-v', '--remove-orphans', '-t', '10'))
    // Also when `down` failed (a compose file that no longer parses): a network left behind keeps
    // its bridge and route on the host after the engine is gone (see freeSubnets).
    capture(DOCKER, ['rm', '-f', ...capture(DOCKER, ['ps', '-aq']).stdout.split('\n').filter(Boolean)])
    capture(DOCKER, ['network', 'prune', '-f'])
    if (!process.env.DEPLOY_TEST_CACHE) capture(DOCKER, ['system', 'prune', '-af', '--volumes'])
  }
  if (engine) {
    try {
      process.kill(-engine.pid, 'SIGTERM')
    } catch {
      // already gone
    }
    spawnSync('sh', ['-c', `for i in $(seq 1 50); do kill -0 ${engine.pid} 2>/dev/null || exit 0; sleep 0.2; done; kill -9 -${engine.pid} 2>/dev/null`])
  }
  spawnSync('sh', ['-c', `grep -F ${work} /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l`])
  rmSync(work, { recursive: true, force: true })
}

try {
  await phase('packages and build', prepare)
  await phase('engine', startEngine)
  await phase('stand-in base images', () => sh('bash', [path.join(root, 'deploy/standins/build.sh')], { env: { ...env, STANDIN_WORK_DIR: path.join(work, 'standins') } }))
  await phase('images', buildImages)
  const { secrets, tls } = await phase('secrets and certificate', writeDeployment)
  await phase('compose up', up)
  await phase('end-to-end through nginx', () =>
    sh(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...suite()], {
      env: {
        ...env,
        DEPLOY_URL: `https://localhost:${HTTPS_PORT}`,
        DEPLOY_HTTP_URL: `http://localhost:${HTTP_PORT}`,
        DEPLOY_CA: path.join(tls, 'tls.crt'),
        DEPLOY_SECRETS: secrets,
        DEPLOY_COMPOSE: JSON.stringify(compose()),
        DEPLOY_DOCKER: DOCKER,
      },
    }),
  )
} catch (err) {
  console.error(`deploy:test failed: ${err.message}`)
  process.exitCode = 1
} finally {
  await phase('clean-up', cleanup)
  for (const [name, seconds] of timings) console.log(`deploy:test ${name.padEnd(28)} ${seconds.toFixed(1)} s`)
  console.log(`deploy:test ${process.exitCode ? 'FAILED' : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
