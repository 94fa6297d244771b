// Shared test plumbing: a virtual farm per test file and sessions tuned for fast, event-driven tests.
import assert from 'node:assert/strict'
import { type TestContext } from 'node:test'
import { startPrinterFarm, type PrinterFarm, type PrinterFarmOptions, type VirtualPrinter } from '@printforge/printer-sim'
import { createPrinterSession, type BambuPrinter } from '../src/printer.ts'
import { type BambuSessionOptions, type ConnectionState } from '../src/session.ts'
import { type BambuLogger } from '../src/logger.ts'
import { type StateLimits } from '../src/bounded-state.ts'

export async function farm(t: { after: TestContext['after'] }, options: PrinterFarmOptions): Promise<PrinterFarm> {
  const f = await startPrinterFarm({ reportIntervalMs: 250, speed: 20, ...options })
  t.after(() => f.stop())
  return f
}

/** A session to `printer` trusting the farm CA, with short timers unless overridden. */
export function session(
  t: { after: TestContext['after'] },
  f: PrinterFarm,
  printer: VirtualPrinter,
  overrides: Partial<BambuSessionOptions> = {},
): BambuPrinter {
  const s = createPrinterSession({
    host: printer.host,
    port: printer.mqttPort,
    serial: printer.serial,
    accessCode: printer.accessCode,
    model: printer.model,
    extraCaPems: [f.caPem],
    backoff: { initialMs: 100, maxMs: 1000 },
    ackTimeoutMs: 5000,
    ...overrides,
  })
  t.after(() => s.close())
  s.start()
  return s
}

/** Polls `predicate` until true; generous default so a loaded 2-core machine does not flake. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export function waitForState(s: BambuPrinter, state: ConnectionState, timeoutMs = 15_000): Promise<void> {
  return waitUntil(() => s.state === state, timeoutMs, `connection state ${state}`)
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Records every log line as JSON text, to assert on what is (never) logged. */
export function capturingLogger(): BambuLogger & { lines: string[] } {
  const lines: string[] = []
  const rec = (level: string) => (obj: object, msg?: string) => void lines.push(JSON.stringify({ level, msg, ...obj }))
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
}

/** Every bound that must hold anywhere in `value` (depth counted from the state's root). */
export function assertWithin(value: unknown, limits: StateLimits, depth = 0): void {
  if (typeof value === 'string') assert.ok(value.length <= limits.maxStringLength, `string of ${value.length}`)
  if (typeof value !== 'object' || value === null) return
  assert.ok(depth <= limits.maxDepth, `container at depth ${depth}`)
  if (Array.isArray(value)) {
    assert.ok(value.length <= limits.maxArrayLength, `array of ${value.length}`)
    for (const v of value) assertWithin(v, limits, depth + 1)
    return
  }
  assert.equal(Object.getPrototypeOf(value), null)
  const entries = Object.entries(value)
  assert.ok(entries.length <= limits.maxKeys, `object with ${entries.length} keys`)
  for (const [k, v] of entries) {
    assert.ok(k.length <= limits.maxStringLength, `key of ${k.length}`)
    assertWithin(v, limits, depth + 1)
  }
}
