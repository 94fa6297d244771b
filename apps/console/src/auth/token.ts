/**
 * When a token expires, from its payload's `exp` (seconds). The browser does not verify the token —
 * the API does, on every request — it only needs to know when to stop using it.
 * Undefined when the token is not a readable JWT or has no numeric `exp`.
 */
export function tokenExpiry(token: string): Date | undefined {
  const payload = token.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const json: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))))
    const exp = typeof json === 'object' && json !== null ? (json as { exp?: unknown }).exp : undefined
    return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined
  } catch {
    return undefined
  }
}
