import { useQueryClient } from '@tanstack/react-query'
import { useId, useRef, useState, type FormEvent } from 'react'
import { Link } from 'wouter'
import type { PrinterModel } from '../../api/types'
import { SESSION_ENDED, useSession } from '../../auth/session'
import { queryKeys } from '../../live/query-keys'
import { uploadDispatch } from '../../upload/dispatch-upload'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { usePrinters } from '../usePrinters'

type Status =
  | { kind: 'idle' }
  | { kind: 'uploading'; fraction: number }
  | { kind: 'done'; jobId: string }
  | { kind: 'error'; error: unknown }

/** Admins: upload a sliced model and send it to a printer, or to any idle printer of a model. */
export function DispatchForm() {
  const { token, signOut } = useSession()
  const printers = usePrinters()
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<Status>({ kind: 'idle' })
  const abortRef = useRef<(() => void) | null>(null)
  const ids = { file: useId(), printer: useId(), plate: useId(), ams: useId(), level: useId(), lapse: useId(), mapping: useId(), hint: useId() }

  const fleet = printers.data ?? []
  const models = [...new Set(fleet.map((p) => p.model))].sort() as PrinterModel[]

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const file = form.get('model')
    const target = String(form.get('target') ?? '')
    if (!(file instanceof File) || file.size === 0) {
      setStatus({ kind: 'error', error: new Error('Choose a sliced model (.gcode.3mf) to upload.') })
      return
    }
    const [kind, value = ''] = target.split(':')
    setStatus({ kind: 'uploading', fraction: 0 })
    const upload = uploadDispatch(
      window.location.origin,
      token,
      {
        file,
        target: kind === 'printer' ? { printerId: value } : { model: value },
        plate: Number(form.get('plate') ?? 1),
        useAms: form.get('useAms') === 'on',
        bedLeveling: form.get('bedLeveling') === 'on',
        timelapse: form.get('timelapse') === 'on',
        amsMapping: String(form.get('amsMapping') ?? ''),
      },
      (fraction) => setStatus({ kind: 'uploading', fraction }),
      () => signOut(SESSION_ENDED),
    )
    abortRef.current = upload.abort
    upload.done.then(
      (result) => {
        setStatus({ kind: 'done', jobId: result.manufacturingJob.id })
        void queryClient.invalidateQueries({ queryKey: queryKeys.manufacturingLists })
      },
      (error: unknown) => setStatus({ kind: 'error', error }),
    )
  }

  const uploading = status.kind === 'uploading'
  return (
    <section aria-labelledby="dispatch-heading" className="panel">
      <h2 id="dispatch-heading">Dispatch a print</h2>
      <form onSubmit={submit} className="grid-form">
        <label htmlFor={ids.file}>Sliced model (.gcode.3mf)</label>
        <input id={ids.file} name="model" type="file" accept=".3mf" required />

        <label htmlFor={ids.printer}>Printer</label>
        <select id={ids.printer} name="target" required>
          {fleet.map((p) => (
            // The option's text is the printer's name alone (how staff and tests find it).
            <option key={p.id} value={`printer:${p.id}`}>
              {p.name}
            </option>
          ))}
          {models.map((m) => (
            <option key={m} value={`model:${m}`}>
              Any idle {m}
            </option>
          ))}
        </select>

        <label htmlFor={ids.plate}>Plate</label>
        <input id={ids.plate} name="plate" type="number" min={1} max={64} step={1} defaultValue={1} required />

        <label htmlFor={ids.mapping}>AMS mapping</label>
        <div>
          <input id={ids.mapping} name="amsMapping" type="text" inputMode="numeric" placeholder="[0,1,-1]" aria-describedby={ids.hint} />
          <p id={ids.hint} className="muted small">
            Optional: a JSON array, one AMS slot per filament of the model (-1 for the external spool).
          </p>
        </div>

        <fieldset className="checks">
          <legend>Options</legend>
          <label>
            <input id={ids.ams} name="useAms" type="checkbox" /> Use AMS
          </label>
          <label>
            <input id={ids.level} name="bedLeveling" type="checkbox" defaultChecked /> Bed levelling
          </label>
          <label>
            <input id={ids.lapse} name="timelapse" type="checkbox" /> Timelapse
          </label>
        </fieldset>

        <div className="actions">
          <button type="submit" disabled={uploading || fleet.length === 0}>
            Dispatch
          </button>
          {uploading && (
            <button type="button" className="secondary" onClick={() => abortRef.current?.()}>
              Cancel upload
            </button>
          )}
        </div>
      </form>
      {uploading && (
        <p>
          <progress aria-label="Upload progress" max={100} value={Math.round(status.fraction * 100)} /> {Math.round(status.fraction * 100)} %
        </p>
      )}
      {status.kind === 'done' && (
        <p role="status">
          Dispatched. <Link href={`/queue/${status.jobId}`}>Follow the print job</Link>
        </p>
      )}
      {status.kind === 'error' && <ErrorAlert error={status.error} />}
    </section>
  )
}
