import { writeFile } from 'node:fs/promises'

/** How often the heartbeat file is rewritten, and the age at which the health check fails. */
export const HEARTBEAT_EVERY_MS = 10_000
export const HEARTBEAT_STALE_MS = 3 * HEARTBEAT_EVERY_MS

/**
 * Rewrites `file` with the current time every HEARTBEAT_EVERY_MS. A worker has no port to probe;
 * a file that stops being rewritten means a dead or wedged event loop. Returns the stop function.
 */
export function startHeartbeat(file: string, onError: (err: Error) => void): () => void {
  const beat = () => writeFile(file, `${Date.now()}\n`).catch(onError)
  void beat()
  const timer = setInterval(beat, HEARTBEAT_EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}
