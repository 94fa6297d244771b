import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'

// The console's ESLint rules are a defence (docs/console.md "Browser policy"): each pattern below must
// be refused in apps/console/src by the repository's own eslint.config.js.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const eslint = new ESLint({ cwd: root })

async function problems(code: string, file = 'apps/console/src/probe.tsx'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message)
}

const refused: [string, string][] = [
  ['dangerouslySetInnerHTML', 'export const A = ({ h }: { h: string }) => <div dangerouslySetInnerHTML={{ __html: h }} />'],
  ['innerHTML', 'export function a(h: string) { document.body.innerHTML = h }'],
  ['outerHTML', 'export function a(h: string) { document.body.outerHTML = h }'],
  ['insertAdjacentHTML', "export function a(h: string) { document.body.insertAdjacentHTML('beforeend', h) }"],
  ['eval', 'export function a(h: string) { return eval(h) }'],
  ['new Function', 'export function a(h: string) { return new Function(h) }'],
  ['document.write', 'export function a(h: string) { document.write(h) }'],
  ['localStorage', "export function a(t: string) { localStorage.setItem('token', t) }"],
  ['sessionStorage', "export function a(t: string) { sessionStorage.setItem('token', t) }"],
  ['document.cookie', 'export function a(t: string) { document.cookie = t }'],
]

for (const [name, code] of refused) {
  test(`the console's lint refuses ${name}`, async () => {
    assert.notDeepEqual(await problems(code), [], `${name} passed the lint`)
  })
}

test('text rendering passes the console lint', async () => {
  assert.deepEqual(await problems('export const A = ({ name }: { name: string }) => <h2>{name}</h2>'), [])
})

test('the rules are scoped to the console', async () => {
  assert.deepEqual(await problems('export function a(h: { innerHTML: string }) { return h.innerHTML }', 'apps/api/src/probe.ts'), [])
})
