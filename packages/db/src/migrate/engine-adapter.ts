import { randomUUID } from 'node:crypto'
import { PrismaPg } from '@prisma/adapter-pg'
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum, type SqlDriverAdapter } from '@prisma/driver-adapter-utils'
import pg from 'pg'

const PG_CHAR_OID = 18
const PG_TEXT_OID = 25

interface PgQueryable {
  performIO(query: unknown): Promise<{ fields: { dataTypeID: number }[]; rows: unknown[][] }>
  queryRaw(query: unknown): Promise<{ columnTypes: number[] }>
  startTransaction?(isolationLevel?: unknown): Promise<PgQueryable>
}

/**
 * Introspection reads pg_catalog's one-byte `"char"` columns (OID 18, e.g. pg_constraint.contype),
 * which adapter-pg does not map ("Column type 'char' could not be deserialized"), while the engine
 * reads them as a Character. Per query, present such columns to the adapter as text, then report
 * them to the engine as Character. Transactions the adapter opens get the same treatment.
 */
function readCharColumns<T extends object>(queryable: T): T {
  const q = queryable as unknown as PgQueryable
  const performIO = q.performIO.bind(q)
  const queryRaw = q.queryRaw
  q.queryRaw = async function (query) {
    const charColumns: number[] = []
    const perCall = Object.create(q, {
      performIO: {
        value: async (io: unknown) => {
          const result = await performIO(io)
          result.fields.forEach((field, i) => {
            if (field.dataTypeID === PG_CHAR_OID) {
              field.dataTypeID = PG_TEXT_OID
              charColumns.push(i)
            }
          })
          return result
        },
      },
    }) as PgQueryable
    const result = await queryRaw.call(perCall, query)
    for (const i of charColumns) result.columnTypes[i] = ColumnTypeEnum.Character
    return result
  }
  const startTransaction = q.startTransaction?.bind(q)
  if (startTransaction) q.startTransaction = async (level) => readCharColumns(await startTransaction(level))
  return queryable
}

/** A small owner-role pool for the schema engine (exported for its test). */
export function poolFor(url: string, database?: string): pg.Pool {
  const u = new URL(url)
  const pool = new pg.Pool({
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: database ?? decodeURIComponent(u.pathname.slice(1)),
    max: 2,
  })
  // pool.end() resolves before its clients' sockets have closed; a server that terminates one in
  // that window (DROP DATABASE … WITH (FORCE), a restart) makes the idle client emit 'error',
  // which the pool re-emits and, unheard, would crash the process. Queries in flight still fail
  // with their own error, so nothing is hidden from the engine.
  pool.on('error', () => {})
  return pool
}

/**
 * adapter-pg's executeScript splits a migration on `;`, which breaks `$$`-quoted bodies (DO
 * blocks, plpgsql functions, triggers). Send the whole script as one simple-protocol query, which
 * PostgreSQL runs as one implicit transaction.
 */
function runScriptsWhole(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const driver = (adapter as unknown as { underlyingDriver(): pg.Pool | pg.PoolClient }).underlyingDriver()
  const onError = (adapter as unknown as { onError(e: unknown): never }).onError.bind(adapter)
  adapter.executeScript = async (script: string) => {
    try {
      await driver.query(script)
    } catch (e) {
      onError(e)
    }
  }
  return adapter
}

/**
 * The driver adapter the schema engine talks through, connected as the owner role. A diff from
 * migrations replays them into a throwaway shadow database, which needs the CREATEDB privilege.
 */
export function schemaEngineAdapter(ownerUrl: string) {
  const mainPool = poolFor(ownerUrl)
  const main = new PrismaPg(mainPool)
  const factory = bindMigrationAwareSqlAdapterFactory({
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => readCharColumns(runScriptsWhole(await main.connect())),
    // adapter-pg's own shadow database reconnects to the main database when given a URL (pg lets
    // the URL override `database`) and drops the shadow while still connected to it.
    connectToShadowDb: async () => {
      const admin = await main.connect()
      const adminDriver = (admin as unknown as { underlyingDriver(): pg.Pool }).underlyingDriver()
      const name = `prisma_shadow_${randomUUID().replaceAll('-', '')}`
      await adminDriver.query(`CREATE DATABASE "${name}"`)
      const shadowPool = poolFor(ownerUrl, name)
      const shadow = readCharColumns(runScriptsWhole(await new PrismaPg(shadowPool).connect()))
      const disposeShadow = shadow.dispose.bind(shadow)
      shadow.dispose = async () => {
        await disposeShadow()
        await shadowPool.end()
        await adminDriver.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await admin.dispose()
      }
      return shadow
    },
  })
  return { factory, close: () => mainPool.end() }
}
