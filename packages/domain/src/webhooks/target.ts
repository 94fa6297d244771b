// Where a webhook may be sent (docs/integrations.md "Webhooks", SSRF; docs/security.md). One module
// for both checks: the API's when an endpoint is saved (resolving DNS) and the worker's at every
// connect (the socket's own lookup, so a DNS answer that changes after the save — rebinding —
// cannot point the request at an internal address).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns'
import ipaddr from 'ipaddr.js'

/** A URL or address that may not receive webhooks; the message is safe to show the caller. */
export class WebhookTargetError extends Error {}

/** `host:port` entries (lower case) that may be private and plain http: WEBHOOK_DEV_TARGETS. */
export interface WebhookTargetPolicy {
  devTargets: readonly string[]
}

export interface WebhookTarget {
  url: URL
  /** The host without IPv6 brackets. */
  host: string
  port: number
  /** Listed in WEBHOOK_DEV_TARGETS: neither the scheme nor the addresses are checked. */
  dev: boolean
}

/** The well-known cloud metadata addresses, named in the refusal so an operator sees why. */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254'])

const v4Reason = (a: ipaddr.IPv4): string | null => {
  const range = a.range()
  return range === 'unicast' ? null : range
}

/**
 * Why this address may not receive webhooks, or null when it is a public unicast address.
 * IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused when they could
 * reach a non-public IPv4 host; mapped and NAT64 forms are refused outright (a public service never
 * needs them, and the translator is usually inside the network).
 */
export function refusedAddressReason(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address'
  const parsed = ipaddr.parse(address)
  const canonical = parsed.toString()
  if (METADATA.has(canonical) || METADATA.has(address.toLowerCase())) return 'cloud metadata address'
  if (parsed.kind() === 'ipv4') return v4Reason(parsed as ipaddr.IPv4)
  const v6 = parsed as ipaddr.IPv6
  const range = v6.range()
  if (range === 'unicast') return null
  const parts = v6.parts
  if (range === '6to4') {
    const embedded = new ipaddr.IPv4([parts[1]! >> 8, parts[1]! & 0xff, parts[2]! >> 8, parts[2]! & 0xff])
    const reason = v4Reason(embedded)
    return reason ? `6to4 address of a ${reason} IPv4 address` : null
  }
  if (range === 'teredo') {
    // Teredo: the server's IPv4 in bits 32–63, the client's (inverted) in the last 32.
    const server = new ipaddr.IPv4([parts[2]! >> 8, parts[2]! & 0xff, parts[3]! >> 8, parts[3]! & 0xff])
    const client = new ipaddr.IPv4([(~parts[6]! >> 8) & 0xff, ~parts[6]! & 0xff, (~parts[7]! >> 8) & 0xff, ~parts[7]! & 0xff])
    const reason = v4Reason(server) ?? v4Reason(client)
    return reason ? `Teredo address of a ${reason} IPv4 address` : null
  }
  return range
}

/**
 * Parses and checks a URL's form: https only (http only for a dev target), no credentials, a
 * host. The WHATWG parser already turns numeric IPv4 spellings (2130706433, 0177.0.0.1,
 * 0x7f000001) into dotted form, so they meet the address check below as what they are.
 * A literal IP host is checked here; a name is checked by {@link resolveWebhookTarget}.
 */
export function parseWebhookUrl(raw: string, policy: WebhookTargetPolicy): WebhookTarget {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new WebhookTargetError('The URL is not valid.')
  }
  if (url.username || url.password) throw new WebhookTargetError('The URL must not contain credentials.')
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetError('The URL must use https.')
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (!host) throw new WebhookTargetError('The URL has no host.')
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80
  const dev = policy.devTargets.includes(`${url.hostname.toLowerCase()}:${port}`)
  if (dev) return { url, host, port, dev }
  if (url.protocol !== 'https:') throw new WebhookTargetError('The URL must use https.')
  if (ipaddr.isValid(host)) {
    const reason = refusedAddressReason(host)
    if (reason) throw new WebhookTargetError(`The URL's address is not public (${reason}).`)
  } else if (!host.includes('.') || host.endsWith('.localhost') || host === 'localhost') {
    // A single-label name resolves through search domains to whatever the local network says.
    throw new WebhookTargetError('The URL must name a public host.')
  }
  return { url, host, port, dev }
}

export type ResolveAll = (host: string) => Promise<LookupAddress[]>

const systemResolveAll: ResolveAll = (host) =>
  new Promise((resolve, reject) => dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))))

/** Every address the host resolves to must be public (save time). Throws WebhookTargetError. */
export async function resolveWebhookTarget(target: WebhookTarget, resolveAll: ResolveAll = systemResolveAll): Promise<void> {
  if (target.dev || ipaddr.isValid(target.host)) return
  let addresses: LookupAddress[]
  try {
    addresses = await resolveAll(target.host)
  } catch {
    throw new WebhookTargetError('The URL\'s host does not resolve.')
  }
  if (addresses.length === 0) throw new WebhookTargetError('The URL\'s host does not resolve.')
  for (const { address } of addresses) {
    const reason = refusedAddressReason(address)
    if (reason) throw new WebhookTargetError(`The URL's host resolves to an address that is not public (${reason}).`)
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
/** The shape node:net passes to a socket's `lookup` option. */
export type SocketLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void
type BaseLookup = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void

/**
 * A `lookup` for https.request that refuses the connection when any resolved address is not
 * public: the address checked is the address the socket connects to. `base` is dns.lookup
 * (tests inject another resolver).
 */
export function checkingLookup(base: BaseLookup = dnsLookup as unknown as BaseLookup): SocketLookup {
  return (hostname, options, callback) => {
    base(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      const refused = addresses.map((a) => refusedAddressReason(a.address)).find(Boolean)
      if (refused || addresses.length === 0) {
        const error: NodeJS.ErrnoException = new WebhookTargetError(`refused target address (${refused ?? 'none'})`)
        error.code = 'EWEBHOOKTARGET'
        return callback(error, '')
      }
      if (options.all) return callback(null, addresses)
      callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}

/**
 * What the connect-time check refuses before any lookup runs: a scheme other than https, or a
 * literal address that is not public (node:net connects to a literal without calling `lookup`).
 */
export function literalTargetRefusal(target: WebhookTarget): string | null {
  if (target.dev) return null
  if (target.url.protocol !== 'https:') return 'not https'
  return ipaddr.isValid(target.host) ? refusedAddressReason(target.host) : null
}
