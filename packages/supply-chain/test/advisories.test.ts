// The reviewed minimum versions hold for every installed copy in package-lock.json, and a planted
// lockfile with an old copy anywhere in the tree fails the check, naming what and why.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { findViolations, parseAdvisories, readAdvisories, readLockfile } from '../src/index.ts'
import { advisoriesPath, lockfilePath, plant, realLock, runCheck } from './helpers.ts'

const advisories = readAdvisories(advisoriesPath)

describe('minimum safe versions (security/advisories.json)', () => {
  test('the policy lists the reviewed fixes', () => {
    const minimum = Object.fromEntries(advisories.map((a) => [a.package, a.minimum]))
    assert.equal(minimum['@fastify/busboy'], '3.2.6')
    assert.equal(minimum['basic-ftp'], '6.2.4')
    assert.ok(advisories.every((a) => a.why.length > 20 && /^(GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}|PF-\d{4}-\d{3})$/.test(a.advisory)))
  })

  test('the real package-lock.json passes, as does the command line', () => {
    assert.deepEqual(findViolations(readLockfile(lockfilePath), advisories), [])
    const run = runCheck()
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /2 advisories/)
  })

  test('a planted lockfile with a below-minimum copy, hoisted or nested, fails naming package, version, minimum and advisory', (t) => {
    const lock = realLock()
    lock.packages['node_modules/basic-ftp'] = { ...lock.packages['node_modules/basic-ftp'], version: '6.2.3' }
    lock.packages['node_modules/@fastify/multipart/node_modules/@fastify/busboy'] = { version: '3.2.5' }
    lock.packages['apps/api/node_modules/@fastify/busboy'] = { version: '2.1.1' }
    const found = findViolations(lock, advisories).map((v) => `${v.path} ${v.version} ${v.advisory.advisory}`)
    assert.deepEqual(found.sort(), [
      'apps/api/node_modules/@fastify/busboy 2.1.1 GHSA-wh8h-qr34-3rj3',
      'node_modules/@fastify/multipart/node_modules/@fastify/busboy 3.2.5 GHSA-wh8h-qr34-3rj3',
      'node_modules/basic-ftp 6.2.3 PF-2026-001',
    ])
    const run = runCheck('--lockfile', plant(t, lock))
    assert.equal(run.status, 1)
    assert.match(run.stderr, /@fastify\/busboy 3\.2\.5 at node_modules\/@fastify\/multipart\/node_modules\/@fastify\/busboy is below the minimum 3\.2\.6 \(GHSA-wh8h-qr34-3rj3/)
    assert.match(run.stderr, /basic-ftp 6\.2\.3 at node_modules\/basic-ftp is below the minimum 6\.2\.4 \(PF-2026-001/)
  })

  test('an alias, a prerelease of the fix, or an unreadable version cannot slip through', () => {
    const lock = realLock()
    lock.packages['node_modules/innocent'] = { name: '@fastify/busboy', version: '3.2.5' }
    lock.packages['node_modules/other'] = { version: '1.0.0', resolved: 'https://registry.npmjs.org/basic-ftp/-/basic-ftp-5.3.1.tgz' }
    lock.packages['node_modules/x/node_modules/basic-ftp'] = { version: '6.2.4-rc.1' }
    lock.packages['node_modules/y/node_modules/basic-ftp'] = { version: 'github:someone/basic-ftp#main' }
    lock.packages['node_modules/z/node_modules/basic-ftp'] = {}
    const found = findViolations(lock, advisories).map((v) => `${v.path} ${v.name}`)
    assert.deepEqual(found.sort(), [
      'node_modules/innocent @fastify/busboy',
      'node_modules/other basic-ftp',
      'node_modules/x/node_modules/basic-ftp basic-ftp',
      'node_modules/y/node_modules/basic-ftp basic-ftp',
      'node_modules/z/node_modules/basic-ftp basic-ftp',
    ])
  })

  test('a copy at or above the minimum passes; workspace links are not packages', () => {
    const lock = realLock()
    lock.packages['node_modules/q/node_modules/basic-ftp'] = { version: '6.2.4' }
    lock.packages['node_modules/r/node_modules/@fastify/busboy'] = { version: '4.0.0' }
    lock.packages['node_modules/basic-ftp-ish'] = { version: '0.0.1' }
    assert.deepEqual(findViolations(lock, advisories), [])
  })

  test('a malformed policy is refused, not half-applied', () => {
    const entry = { package: 'x', minimum: '1.0.0', advisory: 'PF-2026-999', reviewed: '2026-11-30', why: 'a reason long enough' }
    assert.throws(() => parseAdvisories('{}'), /"advisories" must be an array/)
    assert.throws(() => parseAdvisories(JSON.stringify({ advisories: [{ ...entry, minimum: '>=1' }] })), /not a version/)
    assert.throws(() => parseAdvisories(JSON.stringify({ advisories: [{ ...entry, why: '' }] })), /"why"/)
    assert.throws(() => parseAdvisories(JSON.stringify({ advisories: [{ ...entry, reviewed: 'yesterday' }] })), /YYYY-MM-DD/)
    assert.equal(parseAdvisories(JSON.stringify({ advisories: [entry] })).length, 1)
  })
})
