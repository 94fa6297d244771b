// Turns the served OpenAPI document into the committed types file. openapi-typescript's Node API
// (no CLI, no config file, no network: the document is passed as an object with only internal
// $refs) and its own printer, whose output depends on the document alone: the same document
// always gives the same bytes, which is what the drift test compares.
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript'

export const SCHEMA_FILE = 'packages/client/src/schema.ts'

const HEADER = `// GENERATED FILE: do not edit.
// openapi-typescript's rendering of the OpenAPI document the PrintForge API serves (GET /docs/json).
// Regenerate with \`npm run client:generate\` (packages/client/scripts/generate.ts) after changing a
// route or schema; packages/client/test/drift.test.ts fails while this file differs from the document.
`

export async function renderSchema(document: OpenAPI3): Promise<string> {
  const ast = await openapiTS(document, { silent: true })
  return `${HEADER}\n${astToString(ast).trimEnd()}\n`
}
