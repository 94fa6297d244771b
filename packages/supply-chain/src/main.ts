#!/usr/bin/env node
// printforge-supply-chain [check] [--lockfile F] [--advisories F] [--package-json F]
//   Offline: fails (exit 1) when any installed copy of a package in the advisories policy is below
//   its minimum, or a package with an install script is not reviewed in `allowScripts`.
// printforge-supply-chain audit
//   `npm audit --omit=dev`: fails on advisories, prints one line and passes when the endpoint
//   does not answer.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { describeViolation, findViolations, readAdvisories } from './advisories.js'
import { unreviewedInstallScripts, type AllowScripts } from './install-scripts.js'
import { readLockfile } from './lockfile.js'
import { auditVerdict, runNpmAudit } from './npm-audit.js'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    root: { type: 'string', default: process.cwd() },
    lockfile: { type: 'string' },
    advisories: { type: 'string' },
    'package-json': { type: 'string' },
  },
})
const root = path.resolve(values.root)
const command = positionals[0] ?? 'check'

if (command === 'check') process.exit(check())
if (command === 'audit') process.exit(audit())
console.error(`unknown command ${command}; use "check" or "audit"`)
process.exit(2)

function check(): number {
  const lockfile = path.resolve(root, values.lockfile ?? 'package-lock.json')
  const advisoriesFile = path.resolve(root, values.advisories ?? 'security/advisories.json')
  const packageJson = path.resolve(root, values['package-json'] ?? 'package.json')
  const lock = readLockfile(lockfile)
  const advisories = readAdvisories(advisoriesFile)
  const allow = ((JSON.parse(readFileSync(packageJson, 'utf8')) as { allowScripts?: AllowScripts }).allowScripts ?? {})
  const violations = findViolations(lock, advisories)
  const unreviewed = unreviewedInstallScripts(lock, allow)
  for (const v of violations) console.error(`below minimum: ${describeViolation(v)}`)
  for (const u of unreviewed) console.error(`unreviewed install script: ${u.name} ${u.version ?? ''} at ${u.path}; review it, then list it in allowScripts of ${packageJson}`)
  if (violations.length || unreviewed.length) return 1
  console.log(`supply chain: ${advisories.length} advisories and ${Object.keys(allow).length} install-script reviews hold for ${path.relative(root, lockfile) || lockfile}`)
  return 0
}

function audit(): number {
  const verdict = auditVerdict(runNpmAudit(root))
  for (const line of verdict.lines) (verdict.exitCode === 0 ? console.log : console.error)(line)
  return verdict.exitCode
}
