import type { PrintForgeClient } from '@printforge/client'
import { unwrap } from './errors'
import type { Printer, PrintFile } from './types'

// The API pages at most 100 rows; a farm's fleet (and its print-file library) is read whole.
const PAGE = 100
const MAX_PAGES = 50

type PageQuery = { limit: number; cursor?: string }

/** Every item of a cursor-paged list: follows `nextCursor` until the last page (at most MAX_PAGES pages). */
async function fetchAllPages<T>(fetchPage: (query: PageQuery) => Promise<{ items: T[]; nextCursor?: string | null }>): Promise<T[]> {
  const all: T[] = []
  let cursor: string | undefined
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await fetchPage({ limit: PAGE, ...(cursor ? { cursor } : {}) })
    all.push(...page.items)
    if (!page.nextCursor) break
    cursor = page.nextCursor
  }
  return all
}

export function fetchAllPrinters(api: PrintForgeClient): Promise<Printer[]> {
  return fetchAllPages((query) => unwrap(api.GET('/printers/', { params: { query } })))
}

export function fetchAllPrintFiles(api: PrintForgeClient): Promise<PrintFile[]> {
  return fetchAllPages((query) => unwrap(api.GET('/print-files/', { params: { query } })))
}
