import net from 'node:net'

/**
 * Printer hosts are IP literals in private or loopback ranges only (docs/product.md §4.4, SSRF guard):
 * the worker opens TLS and FTPS connections to whatever is registered, so a public address or a
 * hostname (which could resolve anywhere, and differently tomorrow) is refused.
 */
const allowed = new net.BlockList()
allowed.addSubnet('10.0.0.0', 8, 'ipv4')
allowed.addSubnet('172.16.0.0', 12, 'ipv4')
allowed.addSubnet('192.168.0.0', 16, 'ipv4')
allowed.addSubnet('127.0.0.0', 8, 'ipv4')
allowed.addAddress('::1', 'ipv6')
allowed.addSubnet('fc00::', 7, 'ipv6') // unique local addresses

export function isPrivatePrinterHost(host: string): boolean {
  const family = net.isIP(host)
  if (family === 0) return false
  // IPv4-mapped IPv6 (::ffff:10.0.0.5) is judged by its IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)
  if (mapped) return allowed.check(mapped[1] as string, 'ipv4')
  return allowed.check(host, family === 4 ? 'ipv4' : 'ipv6')
}
