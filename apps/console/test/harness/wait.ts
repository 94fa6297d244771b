// Waiting on what a person sees: a locator's visible text, polled, with a message that says what
// was awaited and what was there instead when it times out.
import type { Locator } from 'playwright-core'

export async function waitForText(locator: Locator, pattern: RegExp, label: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = await locator.innerText({ timeout: 2_000 }).catch((err: Error) => `(no text: ${err.message.split('\n')[0]})`)
    if (pattern.test(last)) return last
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label} (${String(pattern)}); the text was:\n${last.slice(0, 2_000)}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}

/** Waits until a `<progress>` (or any element with a numeric `value`) satisfies `ok`. */
export async function waitForValue(locator: Locator, ok: (value: number) => boolean, label: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = Number(await locator.getAttribute('value', { timeout: 2_000 }).catch(() => NaN))
    if (ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}; the value was ${value}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}
