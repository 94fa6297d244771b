// Reads npm's package-lock.json (lockfileVersion 2 or 3: the flat `packages` map) into the list of
// installed copies. Every `node_modules/.../<name>` entry counts, nested and workspace-local ones
// included: an old copy deep in the tree is as exploitable as the hoisted one.
import { readFileSync } from 'node:fs'

/** One lockfile entry, as far as these checks read it. */
export interface LockEntry {
  version?: string
  /** Set for aliases (`"x": "npm:real@1"`): the real package name. */
  name?: string
  resolved?: string
  link?: boolean
  hasInstallScript?: boolean
  optional?: boolean
  dev?: boolean
}

export interface Lockfile {
  lockfileVersion: number
  packages: Record<string, LockEntry>
}

/** One installed copy: where it sits, and a name and version it answers to. */
export interface InstalledCopy {
  path: string
  name: string
  version: string | null
  entry: LockEntry
}

export function readLockfile(file: string): Lockfile {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<Lockfile>
  if (typeof parsed.lockfileVersion !== 'number' || parsed.lockfileVersion < 2 || typeof parsed.packages !== 'object' || parsed.packages === null) {
    // v1 lockfiles have no flat `packages` map; reading them half-way would pass silently.
    throw new Error(`${file}: lockfileVersion 2 or 3 with a "packages" map expected`)
  }
  return parsed as Lockfile
}

/** The package name a `node_modules/...` path installs, e.g. `a/node_modules/@s/b` → `@s/b`. */
export function nameFromPath(path: string): string | null {
  const at = path.lastIndexOf('node_modules/')
  if (at === -1) return null
  const rest = path.slice(at + 'node_modules/'.length)
  const parts = rest.split('/')
  return rest.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? null)
}

/** Name and version from a registry tarball URL (`…/@s/b/-/b-1.2.3.tgz`), when it is one. */
export function identityFromResolved(resolved: string | undefined): { name: string; version: string } | null {
  if (!resolved) return null
  const match = /\/((?:@[^/]+\/)?[^/]+)\/-\/[^/]+-(\d+\.\d+\.\d+[^/]*)\.tgz$/.exec(resolved.split(/[?#]/)[0] ?? '')
  return match?.[1] && match[2] ? { name: decodeURIComponent(match[1]), version: match[2] } : null
}

/**
 * The one identity npm itself trusts for an entry: the registry URL's name and version, else the
 * alias's real name, else the folder name. A tarball's own package.json is never consulted.
 */
export function trustedIdentity(path: string, entry: LockEntry): { name: string; version: string | null } | null {
  const fromUrl = identityFromResolved(entry.resolved)
  if (fromUrl) return fromUrl
  const name = entry.name ?? nameFromPath(path)
  return name === null ? null : { name, version: entry.version ?? null }
}

/**
 * Every installed copy, once per name it answers to: the folder name, the `name` an alias records,
 * and the name in the registry URL (what npm itself trusts). A copy is checked under each, so an
 * alias cannot hide an old version behind another folder name. Workspace links have no version of
 * their own and are skipped.
 */
export function installedCopies(lock: Lockfile): InstalledCopy[] {
  const copies: InstalledCopy[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (entry.link) continue
    const folderName = nameFromPath(path)
    if (folderName === null) continue // the root project and the workspaces themselves
    const seen = new Set<string>()
    const add = (name: string, version: string | null) => {
      const key = `${name}@${version ?? ''}`
      if (seen.has(key)) return
      seen.add(key)
      copies.push({ path, name, version, entry })
    }
    add(folderName, entry.version ?? null)
    if (entry.name) add(entry.name, entry.version ?? null)
    const fromUrl = identityFromResolved(entry.resolved)
    if (fromUrl) add(fromUrl.name, fromUrl.version)
  }
  return copies
}
