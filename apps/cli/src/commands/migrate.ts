import { fileURLToPath } from 'node:url'
import { diffMigrationsToSchema, findPrismaDir, migrateDeploy, prismaPaths } from '@printforge/db/migrate'
import { UsageError, type Command } from '../command.js'

/** `prisma/` next to the working directory, or the one this build belongs to. */
function locatePrismaDir(): string {
  const dir = findPrismaDir(process.cwd()) ?? findPrismaDir(fileURLToPath(new URL('.', import.meta.url)))
  if (!dir) throw new Error('cannot find prisma/schema.prisma above the working directory')
  return dir
}

export const migrateCommand: Command = async (args, config, print) => {
  const [sub] = args
  if (sub !== undefined && sub !== 'diff') throw new UsageError(`unknown migrate subcommand: ${sub}`)
  if (!config.DATABASE_ADMIN_URL) {
    throw new Error('DATABASE_ADMIN_URL is required: migrations run as the owner role, never as printforge_app')
  }
  const paths = prismaPaths(locatePrismaDir())
  if (sub === 'diff') {
    const diff = await diffMigrationsToSchema(config.DATABASE_ADMIN_URL, paths)
    if (diff.inSync) {
      print('schema.prisma and the migrations agree.')
      return 0
    }
    print(diff.script)
    return 2
  }
  const applied = await migrateDeploy(config.DATABASE_ADMIN_URL, paths)
  print(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s): ${applied.join(', ')}`)
  return 0
}
