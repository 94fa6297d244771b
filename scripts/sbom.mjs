// `npm run sbom`: a CycloneDX SBOM of what a production install contains, written to
// sbom.cdx.json (git-ignored). It reads package-lock.json only (`--package-lock-only`), so it
// works offline and on a clone with nothing installed.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { root } from './bootstrap.mjs'

const out = path.join(root, 'sbom.cdx.json')
const args = ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--omit', 'dev', '--package-lock-only']
const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
if (result.status !== 0) {
  console.error(result.stderr || `npm ${args.join(' ')} exited ${result.status ?? result.signal}`)
  process.exit(result.status || 1)
}
const bom = JSON.parse(result.stdout)
// npm names the root component after the checkout's folder; the product's name is package.json's.
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
if (bom.metadata?.component) bom.metadata.component.name = pkg.name
writeFileSync(out, `${JSON.stringify(bom, null, 2)}\n`)
console.log(`${path.relative(process.cwd(), out) || out}: CycloneDX ${bom.specVersion}, ${bom.components?.length ?? 0} components (${pkg.name} ${pkg.version}, production dependencies)`)
