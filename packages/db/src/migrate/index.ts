import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { schemaEngineAdapter } from './engine-adapter.js'
import { readMigrationList, type PrismaPaths } from './migrations-dir.js'
import { loadSchemaEngineBindings, type SchemaEngine } from './wasm-engine.js'

export { findPrismaDir, prismaPaths, type PrismaPaths } from './migrations-dir.js'

const NO_FILTERS = { externalTables: [], externalEnums: [] }

async function withEngine<T>(ownerUrl: string, paths: PrismaPaths, fn: (engine: SchemaEngine) => Promise<T>) {
  const { SchemaEngine } = await loadSchemaEngineBindings()
  const schema = await readFile(paths.schemaPath, 'utf8')
  const adapter = schemaEngineAdapter(ownerUrl)
  const logs: string[] = []
  const engine = await SchemaEngine.new(
    { datamodels: [[paths.schemaPath, schema]] },
    (line: string) => logs.push(line),
    adapter.factory,
  )
  try {
    return await fn(engine)
  } catch (err) {
    // The engine's errors are terse; its log says which statement failed.
    throw new Error(`${(err as Error).message}\n${logs.slice(-5).join('\n')}`, { cause: err })
  } finally {
    engine.free()
    await adapter.close()
  }
}

/**
 * Applies pending migrations as the owner role, exactly as `prisma migrate deploy` would: same
 * `_prisma_migrations` rows and checksums, same advisory lock, so ops may use either tool.
 * Returns the names of the migrations it applied (none when already up to date).
 */
export async function migrateDeploy(ownerUrl: string, paths: PrismaPaths): Promise<string[]> {
  const migrationsList = await readMigrationList(paths.migrationsDir)
  return withEngine(ownerUrl, paths, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: NO_FILTERS })
    return appliedMigrationNames
  })
}

export interface SchemaDiff {
  /** true when the migrations produce exactly the schema `schema.prisma` describes */
  inSync: boolean
  /** the SQL that would bring the migrations up to `schema.prisma` */
  script: string
}

/**
 * Compares the schema the migrations build (replayed into a shadow database; needs CREATEDB)
 * with `schema.prisma`. A drift check, and the starting SQL of the next migration.
 */
export async function diffMigrationsToSchema(ownerUrl: string, paths: PrismaPaths): Promise<SchemaDiff> {
  const migrationsList = await readMigrationList(paths.migrationsDir)
  const schema = await readFile(paths.schemaPath, 'utf8')
  return withEngine(ownerUrl, paths, async (engine) => {
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [{ path: path.basename(paths.schemaPath), content: schema }] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    })
    return { inSync: result.exitCode === 0, script: result.stdout ?? '' }
  })
}
