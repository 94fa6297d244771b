import { assertCredentialTransport } from '@printforge/client'
import { apiError, ApiError } from '../api/errors'

export interface DispatchRequest {
  file: File
  /** A printer, or a model for "any idle printer of this model". */
  target: { printerId: string } | { model: string }
  plate: number
  useAms: boolean
  bedLeveling: boolean
  timelapse: boolean
  /** JSON array text, e.g. "[0,1,-1]"; empty for none. */
  amsMapping: string
}

export interface Dispatched {
  manufacturingJob: { id: string; status: 'queued' }
}

/**
 * POST /manufacturing/create as multipart/form-data, with upload progress.
 *
 * This is the one call that does not go through @printforge/client: fetch reports no upload progress
 * (request-body streams are not progress events, and Chromium needs HTTP/2 for them), and a sliced
 * model is tens of megabytes, so the page shows a real progress bar through XMLHttpRequest's
 * `upload.onprogress`. The same rules apply as in the client: the token goes in Authorization, only
 * over https (or to localhost), and no redirect is followed to another origin with it.
 */
export function uploadDispatch(
  origin: string,
  token: string,
  request: DispatchRequest,
  onProgress: (fraction: number) => void,
  onUnauthorized: () => void,
): { done: Promise<Dispatched>; abort: () => void } {
  const url = new URL('/manufacturing/create', origin)
  assertCredentialTransport(url)

  // The API reads the form fields before the file (apps/api/src/lib/upload/model-upload.ts): send them first.
  const form = new FormData()
  if ('printerId' in request.target) form.append('printerId', request.target.printerId)
  else form.append('model', request.target.model)
  form.append('plate', String(request.plate))
  form.append('useAms', String(request.useAms))
  form.append('bedLeveling', String(request.bedLeveling))
  form.append('timelapse', String(request.timelapse))
  if (request.amsMapping.trim() !== '') form.append('amsMapping', request.amsMapping.trim())
  form.append('model', request.file, request.file.name)

  const xhr = new XMLHttpRequest()
  const done = new Promise<Dispatched>((resolve, reject) => {
    xhr.open('POST', url)
    xhr.setRequestHeader('authorization', `Bearer ${token}`)
    // A retried click or a flaky network cannot dispatch the same print twice.
    xhr.setRequestHeader('idempotency-key', crypto.randomUUID())
    xhr.responseType = 'json'
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total)
    }
    xhr.onload = () => {
      // XMLHttpRequest follows redirects silently; the API never redirects, so one means a wrong origin.
      if (xhr.responseURL && new URL(xhr.responseURL).origin !== url.origin) {
        reject(new ApiError('The upload was redirected to another origin and was refused.', 0))
        return
      }
      if (xhr.status === 401) onUnauthorized()
      if (xhr.status !== 202) {
        reject(apiError(xhr.response, xhr))
        return
      }
      onProgress(1)
      resolve(xhr.response as Dispatched)
    }
    xhr.onerror = () => reject(new ApiError('The upload failed: the server could not be reached.', 0))
    xhr.onabort = () => reject(new ApiError('The upload was cancelled.', 0))
    xhr.send(form)
  })
  return { done, abort: () => xhr.abort() }
}
