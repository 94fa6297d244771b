// `npm run client:generate` (after scripts/client-generate.mjs has built the workspace): writes
// packages/client/src/schema.ts from the document the API serves. Building the API needs
// PostgreSQL, Redis and S3: with PRINTFORGE_TEST_ENV set (a running test stack) it uses those,
// otherwise it starts throwaway local ones for the few seconds it takes and removes them after.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { findRepoRoot, TEST_ENV_VARIABLE, withTestStack } from '@printforge/devstack'
import { renderSchema, SCHEMA_FILE } from './render.ts'
import { servedDocument } from './served-document.ts'

const root = findRepoRoot()

async function generate(): Promise<string> {
  return renderSchema(await servedDocument())
}

const started = Date.now()
const text = process.env[TEST_ENV_VARIABLE]
  ? await generate()
  : await withTestStack(root, async (env) => {
      Object.assign(process.env, env)
      return generate()
    })
await writeFile(path.join(root, SCHEMA_FILE), text)
console.log(`${SCHEMA_FILE}: ${text.split('\n').length - 1} lines written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
