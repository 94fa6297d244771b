// `npm test`, after install, build and lint: starts throwaway PostgreSQL, Redis and S3 servers on
// free ports, migrates a template database once, runs every test file with node:test (through
// tsx), then stops everything. Extra arguments narrow the run to matching test files.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './ports.js'
import { findRepoRoot, findTestFiles, runCli } from './repo.js'
import { generateStackSecrets, startStack } from './stack.js'
import { TEST_ENV_VARIABLE, type TestEnvironment } from './testing.js'

const root = findRepoRoot()
const filters = process.argv.slice(2)
const files = findTestFiles(root).filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`)
  process.exit(1)
}

const started = Date.now()
const secrets = generateStackSecrets()
// Under /tmp: as root, PostgreSQL runs as the postgres user, which cannot enter /root or /work.
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'printforge-test-'))
await chmod(dataDir, 0o755)
const [pgPort, redisPort, s3Port] = [await freePort(), await freePort(), await freePort()]
const stack = await startStack({
  dataDir,
  persistent: false,
  ports: { postgres: pgPort, redis: redisPort, s3: s3Port },
  secrets,
  database: 'printforge_template',
  bucket: 'printforge-test',
})
let exitCode: number
try {
  await runCli(root, ['migrate'], stack.env)
  console.log(`services ready in ${Date.now() - started} ms (postgres :${pgPort}, redis :${redisPort}, s3 :${s3Port})`)
  const testEnv: TestEnvironment = {
    postgresPort: pgPort,
    templateDatabase: 'printforge_template',
    passwords: { owner: secrets.owner, app: secrets.app, readonly: secrets.readonly, superuser: secrets.postgresSuperuser },
    redisUrl: stack.redis.url,
    s3: { endpoint: stack.s3.endpoint, bucket: 'printforge-test', accessKeyId: secrets.s3AccessKeyId, secretAccessKey: secrets.s3SecretAccessKey },
  }
  exitCode = await runNodeTests(files, { [TEST_ENV_VARIABLE]: JSON.stringify(testEnv) })
} finally {
  await stack.stop()
  await rm(dataDir, { recursive: true, force: true })
}
console.log(`npm test: ${exitCode === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(exitCode)

function runNodeTests(testFiles: string[], env: Record<string, string>): Promise<number> {
  // Test files are I/O-bound (databases, sockets): run more than one per core.
  const concurrency = String(Math.max(2, os.availableParallelism() * 2))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...testFiles],
    { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' },
  )
  const forward = (signal: NodeJS.Signals) => child.kill(signal)
  process.on('SIGINT', forward)
  process.on('SIGTERM', forward)
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))))
}
