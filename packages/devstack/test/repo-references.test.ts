// A clone must be self-contained: no file may cite a document or path that only exists on the machine
// it was written on, and every relative link in the docs must reach a file that is in the repository.
// The product spec, the Bambu protocol notes and the rest live under docs/ (docs/product.md §N,
// docs/bambu-protocol.md §N); this test keeps it that way. It needs no services.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'

const root = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)))

/**
 * References to places outside the repository. Written so that this file's own text matches none of
 * them (the escapes and the `?` keep each pattern from spelling what it forbids).
 */
const outside: { name: string; pattern: RegExp }[] = [
  { name: 'a sibling folder outside the repo', pattern: /\.\.\/shared\b/ },
  { name: 'the external product spec file', pattern: /PRODUCT\.md/ },
  { name: 'a product-spec section cited without its docs/ path', pattern: /\bPRODUCT ?§/ },
  { name: 'the external stack notes', pattern: /\bSTACK\.md/ },
  { name: 'the external style guide', pattern: /\bSTYLE\.md/ },
  { name: 'a rule of the external style guide', pattern: /\bSTYLE ?(?:§|rule)/ },
  // docs/bambu-protocol.md, or ./bambu-protocol.md from inside docs/, is the repo's own copy.
  { name: 'the protocol notes without their docs/ path', pattern: /(?<!(?:docs|\.)\/)\bbambu-protocol\.md/ },
  { name: 'an absolute path on the build machine', pattern: /(?<![\w.~-])\/work\// },
]

/** Tracked files plus new ones not yet committed (ignored files excluded), as repo-relative paths. */
function repoFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
  const files = [...new Set(out.split('\0').filter((f) => f !== ''))]
  // A tracked file deleted in the work tree has nothing to check.
  return files.filter((f) => existsSync(path.join(root, f)) && statSync(path.join(root, f)).isFile())
}

/** Text content, or undefined for a binary file (a NUL byte in its first 8 KiB, as git decides). */
function textOf(file: string): string | undefined {
  const bytes = readFileSync(path.join(root, file))
  if (bytes.subarray(0, 8192).includes(0)) return undefined
  return bytes.toString('utf8')
}

describe('repository references stay inside the repository', () => {
  test('no file cites a document or path outside the repo', () => {
    const problems: string[] = []
    let checked = 0
    for (const file of repoFiles()) {
      const text = textOf(file)
      if (text === undefined) continue
      checked++
      text.split('\n').forEach((line, i) => {
        for (const { name, pattern } of outside) {
          if (pattern.test(line)) problems.push(`${file}:${String(i + 1)}: ${name}: ${line.trim().slice(0, 160)}`)
        }
      })
    }
    console.log(`repo-references: ${String(checked)} text files checked, ${String(problems.length)} references outside the repo`)
    assert.ok(checked > 100, `expected the whole repository, found ${String(checked)} text files`)
    assert.deepEqual(problems, [], 'cite docs/product.md §N, docs/bambu-protocol.md §N or another docs/ file instead')
  })

  test('every relative link in the docs reaches a file in the repository', () => {
    // docs/*.md, SECURITY.md and README.md above all, and every other Markdown file in the repo too.
    const docs = repoFiles().filter((f) => f.endsWith('.md'))
    assert.ok(docs.includes('README.md') && docs.includes('SECURITY.md') && docs.includes('docs/product.md'), `docs missing: ${docs.join(', ')}`)
    const broken: string[] = []
    let links = 0
    for (const file of docs) {
      // Code blocks show commands and paths, not links.
      const text = readFileSync(path.join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '')
      for (const match of text.matchAll(/\[[^\]\n]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1] ?? ''
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue // URLs, anchors
        links++
        const resolved = path.resolve(root, path.dirname(file), decodeURIComponent(target.replace(/#.*$/, '')))
        if (!resolved.startsWith(root + path.sep) || !existsSync(resolved)) broken.push(`${file}: ${target}`)
      }
    }
    console.log(`repo-references: ${String(docs.length)} documents, ${String(links)} relative links checked`)
    assert.deepEqual(broken, [], 'relative links must name files in this repository')
  })
})
