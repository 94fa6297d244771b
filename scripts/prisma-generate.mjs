// Generates the Prisma client into packages/db/src/generated/prisma. `prisma generate` needs only
// WebAssembly, but the CLI refuses to start unless a native schema engine file exists, and it
// would download one from Prisma's binary host (unreachable offline). Any existing file satisfies
// the check; this one is never executed by `generate`.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  CHECKPOINT_DISABLE: '1',
}
const result = spawnSync(process.execPath, ['node_modules/prisma/build/index.js', 'generate'], { cwd: root, env, stdio: 'inherit' })
process.exit(result.status ?? 1)
