import assert from 'node:assert/strict'

/** Polls `check` until it holds; fails naming `what` after `ms`. For states with no event to await. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
