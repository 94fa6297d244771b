import type { FastifyRequest } from 'fastify'

/**
 * The rate-limit key of a request: the actor once authenticated, else the client IP as seen
 * through trusted proxies only (request.ip honours TRUSTED_PROXIES and nothing else). IPv6
 * clients are keyed by their /64, which one subscriber usually holds whole.
 */
export function clientKey(request: FastifyRequest): string {
  const p = request.principal
  if (p) return `actor:${p.actorType}:${p.actorId}`
  return `ip:${ipKey(request.ip)}`
}

export function ipKey(ip: string): string {
  if (!ip.includes(':') || ip.startsWith('::ffff:')) return ip.replace(/^::ffff:/, '')
  const [head] = ip.split('::')
  const groups = (head ?? '').split(':').filter(Boolean)
  return `${groups.slice(0, 4).join(':')}::/64`
}
