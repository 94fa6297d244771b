import { useEffect, useId, useRef } from 'react'

/** A modal <dialog> asking before a print is stopped (stopping cannot be undone). */
export function StopDialog({ printerName, onConfirm, onCancel }: { printerName: string; onConfirm: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  return (
    // Escape closes a modal dialog natively and fires `cancel`: treated as Cancel.
    <dialog ref={ref} aria-labelledby={titleId} onCancel={onCancel} className="dialog">
      <h2 id={titleId}>Stop the print on {printerName}?</h2>
      <p>The printer abandons the current print; it cannot be resumed.</p>
      <div className="actions">
        <button type="button" className="danger" onClick={onConfirm}>
          Stop print
        </button>
        <button type="button" className="secondary" onClick={onCancel} autoFocus>
          Cancel
        </button>
      </div>
    </dialog>
  )
}
