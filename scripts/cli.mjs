// `npm run cli -- <command>`: the ops CLI (apps/cli) with the local settings. Variables already in
// the environment win, then .env, then the generated .env.local (docs/product.md §11).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { bootstrap, root } from './bootstrap.mjs'

if (!existsSync(path.join(root, 'apps/cli/dist/main.js'))) bootstrap()
for (const file of ['.env', '.env.local']) {
  // process.loadEnvFile never overrides a variable that is already set, so earlier files win.
  const full = path.join(root, file)
  if (existsSync(full)) process.loadEnvFile(full)
}
const result = spawnSync(process.execPath, [path.join(root, 'apps/cli/dist/main.js'), ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
