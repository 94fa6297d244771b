// One PNG per page visited, into apps/console/test-results/ (git-ignored): what each page looked
// like in this run, for a reviewer or a failed CI run's artifacts.
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'

export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-results')

let counter = 0

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = path.join(RESULTS_DIR, `${String(++counter).padStart(2, '0')}-${name}.png`)
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true })
  return file
}
