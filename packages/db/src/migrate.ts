// A separate entry point (`@printforge/db/migrate`): only ops commands and tests load the schema
// engine's 5 MB of WebAssembly.
export { migrateDeploy, diffMigrationsToSchema, findPrismaDir, prismaPaths, type PrismaPaths, type SchemaDiff } from './migrate/index.js'
