// `npm test`: install what is missing, build (type check included), lint, then run every test
// against real services started for this run (packages/devstack/src/run-tests.ts).
import { bootstrap, ensureChromium, ensureMedusaShop, ensureNginx, ensurePostgres15, ensurePromtool, run, step } from './bootstrap.mjs'

bootstrap()
ensureNginx()
ensureChromium()
ensurePostgres15()
ensurePromtool()
await ensureMedusaShop(process.argv.slice(2))
step('Type-checking tests')
run('npx', ['tsc', '-p', 'tsconfig.tests.json'])
step('Linting')
run('npx', ['eslint', '--max-warnings', '0', '.'])
// Declared dependencies match imports in every workspace (knip.jsonc); the same as `npm run lint`.
run('npx', ['knip', '--no-progress'])
step('Running tests')
run(process.execPath, ['packages/devstack/dist/run-tests.js', ...process.argv.slice(2)])
