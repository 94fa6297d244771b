import { useEffect, type ReactNode } from 'react'

/** A page: its <h1> and the document title. */
export function Page({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} — PrintForge console`
  }, [title])
  return (
    <>
      <h1>{title}</h1>
      {children}
    </>
  )
}
