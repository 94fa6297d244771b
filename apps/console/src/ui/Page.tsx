import { useEffect, useRef, type ReactNode } from 'react'

/**
 * A page: its <h1> and the document title. The heading takes focus when the page opens, so a
 * screen reader announces the new page after a client-side navigation (no load event to do it).
 */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    document.title = `${title} — PrintForge console`
    heading.current?.focus({ preventScroll: true })
  }, [title])
  return (
    <>
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </>
  )
}
