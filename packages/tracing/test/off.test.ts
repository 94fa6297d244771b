// Tracing is off unless an endpoint is configured: no tracer, and `untraced` just runs the work.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { startTracing, untraced } from '../src/index.ts'

test('no endpoint: startTracing returns null and OpenTelemetry registers nothing', async () => {
  assert.equal(await startTracing({ endpoint: undefined, serviceName: 'test' }), null)
  assert.equal(await startTracing({ endpoint: '', serviceName: 'test' }), null)
  // @opentelemetry/api keeps its registrations under this global once anything registers.
  assert.equal((globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')], undefined)
})

test('untraced runs the work and passes its result and its error through', async () => {
  assert.equal(await untraced('x', {}, async () => 42), 42)
  await assert.rejects(untraced('x', {}, async () => { throw new Error('boom') }), /boom/)
})
