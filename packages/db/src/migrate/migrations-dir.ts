import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { MigrationList } from '@prisma/schema-engine-wasm/schema_engine_bg'

/** Where the schema and its migrations live: `prisma/` at the repository (or image) root. */
export interface PrismaPaths {
  schemaPath: string
  migrationsDir: string
}

export function prismaPaths(prismaDir: string): PrismaPaths {
  return { schemaPath: path.join(prismaDir, 'schema.prisma'), migrationsDir: path.join(prismaDir, 'migrations') }
}

/** Walks up from `start` to the first folder holding `prisma/schema.prisma`. */
export function findPrismaDir(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma')
    if (existsSync(path.join(candidate, 'schema.prisma'))) return candidate
    if (path.dirname(dir) === dir) return undefined
  }
}

/** Reads `migrations/` the way the Prisma CLI does, in name order. */
export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const baseDir = path.resolve(migrationsDir)
  const entries = await readdir(baseDir, { withFileTypes: true })
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()
  const lockPath = path.join(baseDir, 'migration_lock.toml')
  return {
    baseDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: 'migration.sql',
          content: { tag: 'ok' as const, value: await readFile(path.join(baseDir, dir, 'migration.sql'), 'utf8') },
        },
      })),
    ),
  }
}
