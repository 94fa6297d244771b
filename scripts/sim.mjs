// `npm run sim -- --printers N`: virtual Bambu Lab printers on 127.0.0.1 (apps/printer-sim).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { bootstrap, root } from './bootstrap.mjs'

bootstrap()
const result = spawnSync(process.execPath, [path.join(root, 'apps/printer-sim/dist/main.js'), ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
