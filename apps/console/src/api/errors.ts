import { isPrintForgeError } from '@printforge/client'

/** An API error as the console shows it: the API's message and request id, as text (role="alert"). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The ApiError for a failed response, from the API's error body when it has one. */
export function apiError(body: unknown, response: { status: number; statusText: string }): ApiError {
  if (isPrintForgeError(body)) return new ApiError(body.error.message, response.status, body.error.requestId)
  return new ApiError(`The server answered ${response.status} ${response.statusText}`.trim(), response.status)
}

interface Outcome<D> {
  data?: D
  error?: unknown
  response: Response
}

/** Resolves a typed client call to its data, or throws an ApiError. */
export async function unwrap<D>(pending: Promise<Outcome<D>>): Promise<D> {
  let outcome: Outcome<D>
  try {
    outcome = await pending
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError('The server could not be reached. Check the connection and try again.', 0)
  }
  const { data, error, response } = outcome
  if (error !== undefined || !response.ok) throw apiError(error, response)
  return data as D
}
