import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { roleUrl } from './provision.js'

/**
 * What `npm test` started for this run, handed to every test process as PRINTFORGE_TEST_ENV.
 * Tests never start services of their own: they share these and isolate by database and prefix.
 */
export interface TestEnvironment {
  postgresPort: number
  /** Migrated once per run; each test file clones it. */
  templateDatabase: string
  passwords: { owner: string; app: string; readonly: string; superuser: string }
  redisUrl: string
  s3: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string }
}

export const TEST_ENV_VARIABLE = 'PRINTFORGE_TEST_ENV'

export function testEnvironment(): TestEnvironment {
  const raw = process.env[TEST_ENV_VARIABLE]
  if (!raw) throw new Error(`${TEST_ENV_VARIABLE} is not set: run the tests with \`npm test\`, which starts the services`)
  return JSON.parse(raw) as TestEnvironment
}

export interface TestDatabase {
  name: string
  /** printforge_app: what the apps use */
  appUrl: string
  /** printforge_owner: migrations, and tests that play a malicious owner */
  ownerUrl: string
  readonlyUrl: string
  superuserUrl: string
  drop(): Promise<void>
}

/**
 * A fresh, fully migrated database for one test file: a copy of the run's template (fast:
 * CREATE DATABASE … TEMPLATE copies files, no migration replay).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const env = testEnvironment()
  const name = `pf_test_${randomBytes(6).toString('hex')}`
  const port = env.postgresPort
  const superuserUrl = roleUrl('postgres', env.passwords.superuser, port, 'postgres')
  const admin = new pg.Client({ connectionString: superuserUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${env.templateDatabase} OWNER printforge_owner`)
  } finally {
    await admin.end()
  }
  return {
    name,
    appUrl: roleUrl('printforge_app', env.passwords.app, port, name),
    ownerUrl: roleUrl('printforge_owner', env.passwords.owner, port, name),
    readonlyUrl: roleUrl('printforge_readonly', env.passwords.readonly, port, name),
    superuserUrl: roleUrl('postgres', env.passwords.superuser, port, name),
    drop: () => dropDatabase(superuserUrl, name),
  }
}

/**
 * Plays time forward for the oldest audit rows: moves those with id ≤ `throughId` back `days` and
 * re-hashes the chain from the anchor on (superuser, append-only trigger disabled meanwhile), so
 * retention has rows it may prune and the chain still verifies.
 */
/** Drops a throwaway database (connections and all), connecting as the superuser. `name` is one we generated (unquoted, like its CREATE). */
export async function dropDatabase(superuserUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  } finally {
    await client.end()
  }
}

export async function ageAuditRows(superuserUrl: string, throughId: bigint, days: number) {
  const client = new pg.Client({ connectionString: superuserUrl })
  await client.connect()
  try {
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')
    await client.query(`UPDATE audit_log SET at = at - make_interval(days => $1) WHERE id <= $2`, [days, throughId])
    await client.query(`DO $$ DECLARE r audit_log; prev text; BEGIN
        SELECT hash INTO prev FROM audit_anchor WHERE id = 1;
        FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
          r.prev_hash := prev; r.hash := audit_row_hash(r);
          UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
          prev := r.hash;
        END LOOP;
        UPDATE audit_chain SET last_hash = prev WHERE id = 1;
      END $$`)
  } finally {
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only').catch(() => {})
    await client.end()
  }
}
