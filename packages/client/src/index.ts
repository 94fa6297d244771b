import createClient, { type Client } from 'openapi-fetch'
import type { paths } from './schema.js'
import { assertCredentialTransport, guardedFetch, type Fetch } from './transport.js'

export type { components, operations, paths } from './schema.js'
export { isPrintForgeError, type ErrorCode, type PrintForgeErrorBody } from './errors.js'
export { assertCredentialTransport, InsecureTransportError, isLoopbackHost } from './transport.js'

export interface PrintForgeClientOptions {
  /** The API's origin (and path prefix, if any), e.g. https://api.example.com */
  baseUrl: string
  /** An API key (`pf_<id>_<secret>`), for a shop or another service. */
  apiKey?: string
  /** A person's Medusa token. */
  token?: string
  /** Another fetch (tests, proxies, instrumentation); globalThis.fetch by default. */
  fetch?: Fetch
}

export type PrintForgeClient = Client<paths>

/**
 * A typed client for the PrintForge API: `client.GET('/me')` resolves to `{ data }` on success or
 * `{ error }` (the API's error body) otherwise, both typed from the served OpenAPI document.
 * The credential goes in `Authorization: Bearer …`, and never over plain http to another machine.
 */
export function createPrintForgeClient(options: PrintForgeClientOptions): PrintForgeClient {
  const { baseUrl, apiKey, token } = options
  if (apiKey !== undefined && token !== undefined) throw new TypeError('createPrintForgeClient: give apiKey or token, not both')
  const credential = apiKey ?? token
  if (credential !== undefined) {
    if (credential === '') throw new TypeError('createPrintForgeClient: the credential is empty')
    // Fail at construction rather than at the first call; guardedFetch checks every request too.
    assertCredentialTransport(baseUrl)
  }
  const fetch: Fetch = options.fetch ?? ((request) => globalThis.fetch(request))
  return createClient<paths>({
    baseUrl,
    fetch: guardedFetch(fetch),
    // A redirect could carry the credential to another origin or down to plain http: the API never
    // redirects, so one is refused rather than followed.
    redirect: 'error',
    headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` },
  })
}
