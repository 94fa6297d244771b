import { ErrorAlert } from '../ui/ErrorAlert'
import { Page } from '../ui/Page'
import { PrinterCard } from './fleet/PrinterCard'
import { usePrinters } from './usePrinters'

export function FleetPage() {
  const printers = usePrinters()
  const list = printers.data ?? []
  const online = list.filter((p) => p.online).length
  return (
    <Page title="Fleet">
      <ErrorAlert error={printers.error} />
      {printers.isPending && <p>Loading the fleet…</p>}
      {printers.data && (
        <p className="summary">
          {list.length === 0 ? 'No printers are registered yet.' : `${online} of ${list.length} printers online.`}
        </p>
      )}
      <div className="cards">
        {list.map((printer) => (
          <PrinterCard key={printer.id} printer={printer} />
        ))}
      </div>
    </Page>
  )
}
