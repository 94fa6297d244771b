/**
 * A bearer credential (API key or person's token) travels over TLS only: `https:` anywhere, plain
 * `http:` only to this machine (local development and tests), where nothing on the wire can read it.
 * Checked on the final URL of every request that carries an Authorization header, right before
 * fetch: a per-request `baseUrl` or a middleware that rewrites the request cannot route around it.
 */
export function isLoopbackHost(hostname: string): boolean {
  // WHATWG URL has already normalised the host: 127.1 and 0x7f.0.0.1 read 127.0.0.1, IPv6 is bracketed.
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)
}

export class InsecureTransportError extends Error {
  constructor(url: URL) {
    super(`refusing to send a PrintForge credential to ${url.protocol}//${url.host}: use https (plain http is allowed to localhost only)`)
    this.name = 'InsecureTransportError'
  }
}

/** Throws unless a credential may be sent to `url`. */
export function assertCredentialTransport(url: string | URL): void {
  const parsed = new URL(url)
  if (parsed.protocol === 'https:') return
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return
  throw new InsecureTransportError(parsed)
}

export type Fetch = (request: Request) => Promise<Response>

/** Wraps fetch so that no request carrying an Authorization header leaves over an unsafe transport. */
export function guardedFetch(fetch: Fetch): Fetch {
  return async (request) => {
    if (request.headers.has('authorization')) assertCredentialTransport(request.url)
    return fetch(request)
  }
}
