// Install scripts run code from the registry on every machine that installs. npm 11 skips those
// the root package.json's `allowScripts` denies but still runs unlisted ones with a notice unless
// `strict-allow-scripts` is set (our .npmrc sets it); this check makes CI fail too when a new
// dependency with an install script arrives unreviewed, whatever the installing npm's settings.
import semver from 'semver'
import { trustedIdentity, type Lockfile } from './lockfile.js'

/** `allowScripts` of package.json: `name` or `name@version-or-range` → approved (true) / denied (false). */
export type AllowScripts = Record<string, boolean>

export interface UnreviewedScript {
  path: string
  name: string
  version: string | null
}

/** Splits `name@spec` (scoped names too); a bare name has spec null. */
export function splitKey(key: string): { name: string; spec: string | null } {
  const at = key.indexOf('@', key.startsWith('@') ? 1 : 0)
  return at <= 0 ? { name: key, spec: null } : { name: key.slice(0, at), spec: key.slice(at + 1) }
}

/** True when some `allowScripts` key, approving or denying, names this package version. */
export function isReviewed(allow: AllowScripts, name: string, version: string | null): boolean {
  return Object.keys(allow).some((key) => {
    const { name: keyName, spec } = splitKey(key)
    if (keyName !== name) return false
    if (spec === null) return true
    // A pinned entry (`name@1.2.3` or a range) covers only the versions it names: an upgrade
    // ships a new script, which needs a new review.
    return version !== null && semver.validRange(spec) !== null && semver.satisfies(version, spec, { includePrerelease: true })
  })
}

/**
 * Lockfile entries with `hasInstallScript` that no `allowScripts` entry covers, judged by the
 * identity npm trusts (so an alias cannot borrow an approved package's name).
 */
export function unreviewedInstallScripts(lock: Lockfile, allow: AllowScripts): UnreviewedScript[] {
  const unreviewed: UnreviewedScript[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!entry.hasInstallScript || entry.link) continue
    const id = trustedIdentity(path, entry)
    if (id === null || path === '' || !path.includes('node_modules/')) continue
    if (!isReviewed(allow, id.name, id.version)) unreviewed.push({ path, ...id })
  }
  return unreviewed
}
