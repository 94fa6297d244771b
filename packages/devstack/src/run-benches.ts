// `npm run bench`: every `bench/*.bench.ts` of the workspaces, one after another (so they do not
// compete for the two cores), against the same throwaway services as the tests. Each benchmark
// prints its own numbers; this prints the machine they were measured on. Arguments filter files.
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { findFiles, findRepoRoot } from './repo.js'
import { withTestStack } from './test-stack.js'

const root = findRepoRoot()
const filters = process.argv.slice(2)
const files = findFiles(root, 'bench', '.bench.ts').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))

const cpu = os.cpus()[0]?.model ?? 'unknown CPU'
console.log(`machine: ${cpu} × ${os.availableParallelism()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${os.platform()} ${os.release()}`)

let failed = 0
await withTestStack(root, async (env) => {
  for (const file of files) {
    console.log(`\n=== ${path.relative(root, file)}`)
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' })
      child.on('exit', (c) => resolve(c ?? 1))
    })
    if (code !== 0) failed++
  }
})
console.log(`\nnpm run bench: ${files.length - failed}/${files.length} benchmarks ran`)
process.exit(failed === 0 ? 0 : 1)
