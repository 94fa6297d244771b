import { ApiError } from '../api/errors'

/** An error as text: the API's message and its request id (quote it when reporting a problem). */
export function ErrorAlert({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null
  const message = error instanceof Error ? error.message : String(error)
  const requestId = error instanceof ApiError ? error.requestId : undefined
  return (
    <p className="alert" role="alert">
      {message}
      {requestId && <span className="request-id"> (request {requestId})</span>}
    </p>
  )
}
