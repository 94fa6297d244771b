import { isIP } from 'node:net'
import { AppError } from '@printforge/errors'
import ipaddr from 'ipaddr.js'

/** At most this many ranges per key (the migration's api_keys_cidrs_valid checks the same). */
export const MAX_ALLOWED_CIDRS = 32

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number]

const invalid = (cidr: string, why: string) => new AppError('VALIDATION_FAILED', `allowedCidrs: ${JSON.stringify(cidr.slice(0, 64))} ${why}.`)

/**
 * One range, strictly: a canonical address as node reads it (ipaddr.js alone also takes forms
 * such as `10.1/8` or hex octets), a decimal prefix, no host bits (PostgreSQL's cidr refuses them,
 * and `10.0.0.5/8` is usually a typo for something narrower), no zone id, and IPv4 written as
 * IPv4 (an IPv4-mapped IPv6 range would never match a client that request.ip reports as IPv4).
 */
function parseRange(cidr: string): Range {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(cidr)
  if (!match) throw invalid(cidr, 'is not address/prefix')
  const [, address = '', prefixText = ''] = match
  const family = isIP(address)
  if (family === 0 || address.includes('%')) throw invalid(cidr, 'does not start with an IP address')
  const prefix = Number(prefixText)
  if (prefix > (family === 4 ? 32 : 128)) throw invalid(cidr, 'has a prefix longer than the address')
  const parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) throw invalid(cidr, 'is an IPv4-mapped range; write it as IPv4')
  const network = parsed.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr)
  if (network.toString() !== parsed.toString()) throw invalid(cidr, `has host bits set (the range starts at ${network.toString()}/${prefix})`)
  return [parsed, prefix]
}

/** Validated and canonical (`2001:DB8::/32` → `2001:db8::/32`), duplicates dropped; throws a 400. */
export function normalizeAllowedCidrs(cidrs: readonly string[]): string[] {
  if (cidrs.length > MAX_ALLOWED_CIDRS) throw new AppError('VALIDATION_FAILED', `allowedCidrs: at most ${MAX_ALLOWED_CIDRS} ranges.`)
  return [...new Set(cidrs.map((c) => {
    const [address, prefix] = parseRange(c)
    return `${address.toString()}/${prefix}`
  }))]
}

/**
 * Whether a client address may use a key with these ranges (none: any address). The address is
 * request.ip, already resolved through the trusted proxies only; an IPv4-mapped IPv6 address
 * (a dual-stack socket's view of an IPv4 client) counts as that IPv4 address. Anything that
 * does not parse is refused. The ranges come from the key's row (valid by the database's check).
 */
export function compileAllowedCidrs(cidrs: readonly string[]): (ip: string) => boolean {
  if (cidrs.length === 0) return () => true
  const ranges = cidrs.map(parseRange)
  return (ip) => {
    if (!ipaddr.isValid(ip) || isIP(ip.split('%')[0] ?? '') === 0) return false
    let address = ipaddr.parse(ip)
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address()
    return ranges.some(([network, prefix]) => network.kind() === address.kind() && address.match([network, prefix] as never))
  }
}
