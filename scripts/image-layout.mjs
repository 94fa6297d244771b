// Dockerfile build stage: copies what the runtime images need into one folder (argument), so the
// final stage is a single COPY: the root manifest, production node_modules (workspace links
// included), prisma/ (schema and migrations, for `migrate`), and per workspace its package.json,
// dist/ and data/ — never sources, tests or dev tooling.
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = process.argv[2]
if (!out) {
  console.error('usage: node scripts/image-layout.mjs <out-dir>')
  process.exit(2)
}
const copy = (from, to = from) => cpSync(path.join(root, from), path.join(out, to), { recursive: true, verbatimSymlinks: true })

mkdirSync(out, { recursive: true })
copy('package.json')
copy('node_modules')
copy('prisma')
// The workspaces the production install linked (the apps and what they import), nothing else:
// dev tooling such as devstack (and its embedded PostgreSQL) stays out of the images.
const linked = path.join(root, 'node_modules/@printforge')
for (const name of readdirSync(linked)) {
  const dir = path.relative(root, realpathSync(path.join(linked, name)))
  copy(path.join(dir, 'package.json'))
  for (const runtime of ['dist', 'data']) if (existsSync(path.join(root, dir, runtime))) copy(path.join(dir, runtime))
}
console.log(`image layout written to ${out}`)
