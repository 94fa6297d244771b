// Waiting on what a person sees: a locator's visible text, polled, with a message that says what
// was awaited and what was there instead when it times out.
import type { Locator } from 'playwright-core'

export async function waitForText(locator: Locator, pattern: RegExp, label: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = (await locator.innerText({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => '')) ?? ''
    if (pattern.test(last)) return last
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} (${String(pattern)}); the text was:\n${last.slice(0, 2_000)}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

/** Polls `probe` until it returns something other than null/undefined/false. */
export async function waitUntil<T>(label: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
