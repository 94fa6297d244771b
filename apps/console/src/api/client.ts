import { createPrintForgeClient, type PrintForgeClient } from '@printforge/client'

/**
 * The typed API client for one signed-in person: the API is the console's own origin (nginx serves
 * both), and the token travels in `Authorization`. Any 401 means the token is no longer accepted
 * (expired, revoked, role removed): the console signs out rather than keep asking.
 */
export function createApi(token: string, onUnauthorized: () => void): PrintForgeClient {
  return createPrintForgeClient({
    baseUrl: window.location.origin,
    token,
    fetch: async (request) => {
      const response = await globalThis.fetch(request)
      if (response.status === 401) onUnauthorized()
      return response
    },
  })
}
