// `npm run bench`: install and build like `npm test`, then run the benchmarks of docs/product.md §10
// (packages/devstack/src/run-benches.ts). Arguments filter benchmark files by path.
import { bootstrap, run, step } from './bootstrap.mjs'

bootstrap()
step('Running benchmarks')
run(process.execPath, ['packages/devstack/dist/run-benches.js', ...process.argv.slice(2)])
