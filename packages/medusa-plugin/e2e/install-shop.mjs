// Installs the e2e Medusa shop (./shop: package.json, package-lock.json, .npmrc) into a cache
// directory outside the monorepo and prints that directory. Medusa's ~1,080 packages stay out of
// the monorepo's node_modules (its versions would clash with ours, and every install would pay for
// them); the directory is named by the lockfile's hash, so a changed lockfile installs afresh and an
// unchanged one is reused. Plain Node, no dependencies: scripts/bootstrap.mjs runs it before
// `npm test`, and the e2e test runs it to find the directory.
//
// Install scripts: none runs (the shop's .npmrc says ignore-scripts=true, and `npm ci` is given
// --ignore-scripts too). Reviewed for @medusajs/* 2.21.2: four packages in the tree have one —
// @medusajs/telemetry (a notice), esbuild (checks its binary, which comes as a platform package),
// msgpackr-extract (an optional native speed-up; msgpackr falls back to JavaScript) and protobufjs
// (a version notice) — and Medusa migrates, seeds and serves without them (the e2e test proves it).
// A new Medusa version needs the same review.
import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('./shop/', import.meta.url))
const FILES = ['package.json', 'package-lock.json', '.npmrc']

export function shopDirectory() {
  const hash = createHash('sha256')
  for (const file of FILES) hash.update(readFileSync(path.join(source, file)))
  const cache = process.env['PRINTFORGE_CACHE_DIR'] || path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'printforge')
  return path.join(cache, `medusa-shop-${hash.digest('hex').slice(0, 16)}`)
}

/** The installed shop's directory; installs it first when it is missing. */
export function ensureShop({ log = (m) => console.error(m) } = {}) {
  const dir = shopDirectory()
  if (existsSync(path.join(dir, 'node_modules', '.package-lock.json'))) return dir
  // Installed beside the final place and renamed into it: an interrupted install is never mistaken for one.
  const staging = `${dir}.partial-${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  for (const file of FILES) copyFileSync(path.join(source, file), path.join(staging, file))
  log(`Installing the e2e Medusa shop into ${dir} (npm ci, about two minutes the first time)`)
  const result = spawnSync('npm', ['ci', '--ignore-scripts', '--no-fund', '--no-audit', '--loglevel=error'], { cwd: staging, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true })
    throw new Error(`npm ci for the e2e Medusa shop failed (exit ${result.status ?? result.signal})`)
  }
  rmSync(dir, { recursive: true, force: true })
  renameSync(staging, dir)
  return dir
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureShop())
  } catch (err) {
    console.error(err.message)
    process.exit(1)
  }
}
