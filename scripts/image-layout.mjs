// Dockerfile build stage: copies what the runtime images need into one folder (argument), so the
// final stage is a single COPY: the root manifest, prisma/ (schema and migrations, for `migrate`),
// the four apps with their package.json, dist/ and data/, and exactly the installed packages they
// reach through production dependencies — never sources, tests, dev tooling or its dependencies.
// Written by hand: npm has no "deploy these workspaces" command (a workspace's dependencies are
// installed even when only other workspaces' devDependencies name it, e.g. devstack's embedded
// PostgreSQL), and pnpm's `deploy` is not our package manager.
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)))
const out = process.argv[2]
if (!out) {
  console.error('usage: node scripts/image-layout.mjs <out-dir>')
  process.exit(2)
}
const APPS = ['apps/api', 'apps/worker', 'apps/cli', 'apps/printer-sim']

const manifest = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))

/** Node's resolution: the nearest node_modules/<name> from `dir` upwards, within the repository. */
function resolve(name, from) {
  for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name)
    if (existsSync(path.join(candidate, 'package.json'))) return candidate
    if (dir === root) break
  }
  return undefined
}

// Walk production, optional and (required) peer dependencies from the apps.
const packages = new Set() // installed package folders (as linked under node_modules)
const workspaces = new Set(APPS.map((a) => path.join(root, a)))
const queue = [...workspaces]
const seen = new Set()
while (queue.length > 0) {
  const dir = queue.pop()
  const real = realpathSync(dir)
  if (seen.has(real)) continue
  seen.add(real)
  const pkg = manifest(dir)
  // Peer dependencies marked optional (Prisma's client names its CLI and TypeScript so) stay out.
  const peers = Object.keys(pkg.peerDependencies ?? {}).filter((name) => !pkg.peerDependenciesMeta?.[name]?.optional)
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {}), ...peers]
  for (const name of names) {
    const found = resolve(name, real)
    if (!found) {
      if (pkg.dependencies?.[name]) throw new Error(`${pkg.name}: dependency ${name} is not installed`)
      continue // an optional or peer dependency this platform does not use
    }
    if (lstatSync(found).isSymbolicLink()) workspaces.add(realpathSync(found))
    packages.add(found)
    queue.push(found)
  }
}

mkdirSync(out, { recursive: true })
const copy = (from) => cpSync(from, path.join(out, path.relative(root, from)), { recursive: true, verbatimSymlinks: true })
copy(path.join(root, 'package.json'))
copy(path.join(root, 'prisma'))
for (const dir of packages) {
  if (lstatSync(dir).isSymbolicLink()) {
    copy(dir) // the workspace link itself; its folder is copied below
    continue
  }
  // A package without its nested node_modules: those it needs were reached and copied on their own.
  cpSync(dir, path.join(out, path.relative(root, dir)), { recursive: true, verbatimSymlinks: true, filter: (src) => !src.slice(dir.length).includes(`${path.sep}node_modules`) })
}
for (const dir of workspaces) {
  copy(path.join(dir, 'package.json'))
  for (const runtime of ['dist', 'data']) if (existsSync(path.join(dir, runtime))) copy(path.join(dir, runtime))
}
console.log(`image layout: ${workspaces.size} workspaces and ${packages.size} installed packages → ${out}`)
