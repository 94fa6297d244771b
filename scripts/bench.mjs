// `npm run bench`: install and build like `npm test`, then run the benchmarks of docs/product.md §10
// (packages/devstack/src/run-benches.ts). Arguments filter benchmark files by path.
import { bootstrap, ensureSeedDesignPython, run, step } from './bootstrap.mjs'

const filters = process.argv.slice(2)
bootstrap()
// Only when the API bench runs (filters match file paths as substrings, as run-benches does).
if (filters.length === 0 || filters.some((x) => 'apps/api/bench/api.bench.ts'.includes(x))) ensureSeedDesignPython()
step('Running benchmarks')
run(process.execPath, ['packages/devstack/dist/run-benches.js', ...filters])
