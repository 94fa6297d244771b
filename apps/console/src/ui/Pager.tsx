import { useState } from 'react'

/**
 * Cursor paging for the API's `{ items, nextCursor }` lists: a stack of the cursors that led to the
 * pages before this one, so "Previous page" goes back exactly.
 */
export function useCursorPager() {
  const [stack, setStack] = useState<(string | undefined)[]>([])
  const [cursor, setCursor] = useState<string | undefined>()
  return {
    cursor,
    hasPrevious: stack.length > 0,
    next(nextCursor: string) {
      setStack([...stack, cursor])
      setCursor(nextCursor)
    },
    previous() {
      setCursor(stack[stack.length - 1])
      setStack(stack.slice(0, -1))
    },
    reset() {
      setStack([])
      setCursor(undefined)
    },
  }
}

export function Pager({ pager, nextCursor }: { pager: ReturnType<typeof useCursorPager>; nextCursor: string | null | undefined }) {
  if (!pager.hasPrevious && !nextCursor) return null
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={pager.previous} disabled={!pager.hasPrevious}>
        Previous page
      </button>
      <button type="button" onClick={() => nextCursor && pager.next(nextCursor)} disabled={!nextCursor}>
        Next page
      </button>
    </nav>
  )
}
