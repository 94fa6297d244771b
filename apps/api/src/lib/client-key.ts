import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'

/** Longest part of an unparseable "address" kept in a key: keys stay small whatever arrives. */
const MAX_RAW_KEY = 64

/**
 * The rate-limit key of a request: the actor once authenticated (an API key by its id, apart from
 * every person and IP), else the client IP as seen through trusted proxies only (request.ip
 * honours TRUSTED_PROXIES and nothing else).
 */
export function clientKey(request: FastifyRequest): string {
  const p = request.principal
  if (p?.actorType === 'api_key') return `key:${p.actorId}`
  if (p) return `actor:${p.actorType}:${p.actorId}`
  return `ip:${ipKey(request.ip)}`
}

/**
 * The key of a client address, shared by every IP-keyed budget (request limits, failed
 * authentications): IPv4 as is; IPv6 by its /64, which one subscriber usually holds whole, so
 * hopping between the 2^64 addresses of one's own prefix buys nothing. The /64 comes from the
 * parsed address, never from its text: `2001:db8::1`, `2001:0DB8:0:0:ffff::2` and
 * `2001:db8:0:0::1.2.3.4` are one client. An IPv4-mapped address (`::ffff:1.2.3.4`, a dual-stack
 * socket's view of an IPv4 client) is that IPv4 address. Never throws: anything that is not an IP
 * literal is keyed by its first characters, marked so that it cannot pose as a real address's key.
 */
export function ipKey(ip: string): string {
  const text = typeof ip === 'string' ? ip : String(ip)
  const family = isIP(text)
  if (family === 4) return text // isIP accepts only canonical dotted quads: no other spelling to fold
  const groups = family === 6 ? ipv6Groups(text) : null
  if (!groups) return `raw:${text.slice(0, MAX_RAW_KEY)}`
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6)
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`
}

/**
 * The eight 16-bit groups of an IPv6 literal that node's `isIP` already accepted, or null.
 * Hand-written because node exposes no bytes of an address: `net.SocketAddress` only re-spells
 * it and `net.BlockList` only answers membership (the tests use it as an independent oracle).
 * Validation stays with node's grammar; this only expands `::`, an IPv4 tail and a zone id.
 */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0] ?? '' // the zone id (fe80::1%eth0) names an interface, not a host
  let tail: number[] = []
  if (text.includes('.')) {
    const cut = text.lastIndexOf(':')
    const octets = text.slice(cut + 1).split('.').map(Number)
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null
    const [a = 0, b = 0, c = 0, d = 0] = octets
    tail = [(a << 8) | b, (c << 8) | d]
    // Keep `::` whole (`::1.2.3.4`, `1::1.2.3.4`); drop the single separator otherwise.
    text = text.slice(0, text.endsWith('::', cut + 1) ? cut + 1 : cut)
  }
  const hex = (part: string) => (part === '' ? [] : part.split(':').map((h) => (/^[0-9a-fA-F]{1,4}$/.test(h) ? parseInt(h, 16) : NaN)))
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = hex(halves[0] ?? '')
  const rest = [...(halves.length === 2 ? hex(halves[1] ?? '') : []), ...tail]
  const missing = 8 - head.length - rest.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest]
  return groups.every((g) => Number.isInteger(g)) ? groups : null
}
