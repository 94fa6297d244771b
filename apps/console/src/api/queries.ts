import type { PrintForgeClient } from '@printforge/client'
import { unwrap } from './errors'
import type { Printer, PrintFile } from './types'

// The API pages at most 100 rows; a farm's fleet (and its print-file library) is read whole.
const PAGE = 100
const MAX_PAGES = 50

export async function fetchAllPrinters(api: PrintForgeClient): Promise<Printer[]> {
  const all: Printer[] = []
  let cursor: string | undefined
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await unwrap(api.GET('/printers/', { params: { query: { limit: PAGE, ...(cursor ? { cursor } : {}) } } }))
    all.push(...page.items)
    if (!page.nextCursor) break
    cursor = page.nextCursor
  }
  return all
}

export async function fetchAllPrintFiles(api: PrintForgeClient): Promise<PrintFile[]> {
  const all: PrintFile[] = []
  let cursor: string | undefined
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await unwrap(api.GET('/print-files/', { params: { query: { limit: PAGE, ...(cursor ? { cursor } : {}) } } }))
    all.push(...page.items)
    if (!page.nextCursor) break
    cursor = page.nextCursor
  }
  return all
}
