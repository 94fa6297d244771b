import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './ports.js'
import { runCli } from './repo.js'
import { generateStackSecrets, startStack } from './stack.js'
import { TEST_ENV_VARIABLE, type TestEnvironment } from './testing.js'

const TEMPLATE = 'printforge_template'
const BUCKET = 'printforge-test'

/**
 * Starts throwaway PostgreSQL, Redis and S3 servers on free ports, migrates a template database
 * once, runs `fn` with the variables that hand them to test or benchmark processes, then stops
 * everything and removes the data. Shared by `npm test` and `npm run bench`.
 */
export async function withTestStack<T>(root: string, fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const started = Date.now()
  const secrets = generateStackSecrets()
  // Under /tmp: as root, PostgreSQL runs as the postgres user, which cannot enter /root or /work.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'printforge-test-'))
  await chmod(dataDir, 0o755)
  const ports = { postgres: await freePort(), redis: await freePort(), s3: await freePort() }
  const stack = await startStack({ dataDir, persistent: false, ports, secrets, database: TEMPLATE, bucket: BUCKET })
  try {
    await runCli(root, ['migrate'], stack.env)
    console.log(`services ready in ${Date.now() - started} ms (postgres :${ports.postgres}, redis :${ports.redis}, s3 :${ports.s3})`)
    const testEnv: TestEnvironment = {
      postgresPort: ports.postgres,
      templateDatabase: TEMPLATE,
      passwords: { owner: secrets.owner, app: secrets.app, readonly: secrets.readonly, superuser: secrets.postgresSuperuser },
      redisUrl: stack.redis.url,
      s3: { endpoint: stack.s3.endpoint, bucket: BUCKET, accessKeyId: secrets.s3AccessKeyId, secretAccessKey: secrets.s3SecretAccessKey },
    }
    return await fn({ [TEST_ENV_VARIABLE]: JSON.stringify(testEnv) })
  } finally {
    await stack.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}
