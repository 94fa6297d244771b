// The reviewed policy of minimum safe versions (security/advisories.json) and the check of a
// lockfile against it. It works offline: the registry's audit endpoint is not always reachable,
// and a fix we have reviewed must hold even when no audit service says so.
import { readFileSync } from 'node:fs'
import semver from 'semver'
import { installedCopies, type Lockfile } from './lockfile.js'

/** One reviewed advisory: every installed copy of `package` must be at least `minimum`. */
export interface Advisory {
  package: string
  minimum: string
  /** GHSA id when there is one, else our own `PF-YYYY-NNN`. */
  advisory: string
  /** YYYY-MM-DD of the last review. */
  reviewed: string
  why: string
}

export interface Violation {
  advisory: Advisory
  /** Lockfile path of the offending copy, e.g. `node_modules/a/node_modules/basic-ftp`. */
  path: string
  name: string
  /** The locked version; null when the entry records none. */
  version: string | null
}

const FIELDS = ['package', 'minimum', 'advisory', 'reviewed', 'why'] as const

/** Parses and validates the policy; a malformed entry is an error, never silently skipped. */
export function parseAdvisories(text: string, source = 'advisories'): Advisory[] {
  const parsed = JSON.parse(text) as { advisories?: unknown }
  if (!Array.isArray(parsed.advisories)) throw new Error(`${source}: "advisories" must be an array`)
  return parsed.advisories.map((raw: unknown, i) => {
    const entry = raw as Record<string, unknown>
    for (const field of FIELDS) {
      if (typeof entry?.[field] !== 'string' || entry[field] === '') throw new Error(`${source}: entry ${i} needs a non-empty "${field}"`)
    }
    const advisory = entry as unknown as Advisory
    if (semver.valid(advisory.minimum) === null) throw new Error(`${source}: entry ${i} (${advisory.package}): "${advisory.minimum}" is not a version`)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(advisory.reviewed)) throw new Error(`${source}: entry ${i} (${advisory.package}): "reviewed" must be YYYY-MM-DD`)
    return advisory
  })
}

export function readAdvisories(file: string): Advisory[] {
  return parseAdvisories(readFileSync(file, 'utf8'), file)
}

/**
 * Every installed copy of a listed package below its minimum. A copy whose version cannot be read
 * (missing, or not semver: a git or tarball dependency) also fails: the check fails closed.
 */
export function findViolations(lock: Lockfile, advisories: readonly Advisory[]): Violation[] {
  const violations: Violation[] = []
  for (const copy of installedCopies(lock)) {
    for (const advisory of advisories) {
      if (advisory.package !== copy.name) continue
      const version = copy.version === null ? null : semver.valid(copy.version)
      // Prereleases of the fixed version (3.2.6-rc.1) sort below it and fail, as they should.
      if (version !== null && semver.gte(version, advisory.minimum)) continue
      violations.push({ advisory, path: copy.path, name: copy.name, version: copy.version })
    }
  }
  return violations
}

export function describeViolation(v: Violation): string {
  const a = v.advisory
  return `${v.name} ${v.version ?? '(no version)'} at ${v.path} is below the minimum ${a.minimum} (${a.advisory}: ${a.why})`
}
