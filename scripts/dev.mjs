// `npm run dev`: install what is missing, build, then start the whole local platform
// (packages/devstack/src/dev.ts) until Ctrl-C.
import { bootstrap, ensureNginx, root } from './bootstrap.mjs'

bootstrap()
ensureNginx()
process.chdir(root)
await import('../packages/devstack/dist/dev.js')
