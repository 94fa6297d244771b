import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { findRepoRoot } from '@printforge/devstack'
import { renderSchema, SCHEMA_FILE } from '../scripts/render.ts'
import { servedDocument } from '../scripts/served-document.ts'

test('packages/client/src/schema.ts is what the API serves today', async () => {
  const committed = await readFile(path.join(findRepoRoot(), SCHEMA_FILE), 'utf8')
  const current = await renderSchema(await servedDocument())
  if (committed === current) return
  const a = committed.split('\n')
  const b = current.split('\n')
  const line = a.findIndex((text, i) => text !== b[i])
  const at = line === -1 ? a.length : line
  assert.fail(
    `${SCHEMA_FILE} differs from the OpenAPI document the API serves (first difference at line ${at + 1}:\n` +
      `  committed: ${JSON.stringify(a[at] ?? '<end of file>')}\n  served:    ${JSON.stringify(b[at] ?? '<end of file>')}).\n` +
      'A route or schema changed: run `npm run client:generate` and commit the result.',
  )
})
