// The database's model list and the Bambu client's per-model table stay in step: every model an admin
// can register is one the client knows how to address (print URL form, FTPS TLS cap).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { BAMBU_MODELS, MODEL_PROTOCOL } from '@printforge/bambu'
import { clientModel, PRINTER_MODELS } from '../src/index.ts'

test('every registrable model maps to a model the client has wire rules for, one to one', () => {
  const mapped = PRINTER_MODELS.map(clientModel)
  for (const m of mapped) assert.ok(MODEL_PROTOCOL[m], `${m} has a row in MODEL_PROTOCOL`)
  assert.deepEqual([...new Set(mapped)].sort(), [...BAMBU_MODELS].sort())
  for (const m of ['H2S', 'H2C', 'P2S', 'X2D', 'A2L'] as const) assert.ok(PRINTER_MODELS.includes(m), m)
  assert.equal(clientModel('A1MINI'), 'A1M')
})
