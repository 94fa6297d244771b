import { useMutation } from '@tanstack/react-query'
import { useState } from 'react'
import { unwrap } from '../../api/errors'
import type { Printer, PrinterCommand } from '../../api/types'
import { useSession } from '../../auth/session'
import { ErrorAlert } from '../../ui/ErrorAlert'
import { formatMinutes, formatTemperature, formatTime } from '../../ui/format'
import { StopDialog } from './StopDialog'

const COMMAND_LABELS: Record<PrinterCommand, string> = {
  pause: 'Pause',
  resume: 'Resume',
  stop: 'Stop',
  light_on: 'Light on',
  light_off: 'Light off',
  refresh: 'Refresh',
}

/** Bambu's gcode_state values under which a print is on the plate. */
const PRINTING = new Set(['PREPARE', 'RUNNING', 'PAUSE'])

/**
 * Which controls make sense now: an operator cannot pause an idle printer or resume a running one.
 * The printer (and the API) would refuse them anyway; disabling says so before the click.
 */
function applicable(printer: Printer): Record<PrinterCommand, boolean> {
  const state = printer.gcodeState ?? ''
  const online = printer.online
  return {
    pause: online && (state === 'RUNNING' || state === 'PREPARE'),
    resume: online && state === 'PAUSE',
    stop: online && PRINTING.has(state),
    light_on: online,
    light_off: online,
    refresh: online,
  }
}

/** One printer: its live state and, when control is enabled, its controls. Every value is text. */
export function PrinterCard({ printer }: { printer: Printer }) {
  const { api } = useSession()
  const [confirmStop, setConfirmStop] = useState(false)
  const command = useMutation({
    mutationFn: (name: PrinterCommand) =>
      unwrap(api.POST('/printers/{id}/commands', { params: { path: { id: printer.id } }, body: { command: name } })),
  })
  const send = (name: PrinterCommand) => command.mutate(name)
  const can = applicable(printer)
  const layer = printer.layer !== null ? `${printer.layer}${printer.totalLayers !== null ? ` of ${printer.totalLayers}` : ''}` : '—'

  return (
    <article className="card" aria-label={printer.name}>
      <h2>{printer.name}</h2>
      <p className="meta">
        <span className={printer.online ? 'badge online' : 'badge offline'}>{printer.online ? 'Online' : 'Offline'}</span>{' '}
        {printer.model} · {printer.gcodeState ?? 'unknown state'}
      </p>
      <progress aria-label="Print progress" max={100} value={printer.progress ?? 0} />
      <dl className="facts">
        <dt>Progress</dt>
        <dd>{printer.progress !== null ? `${printer.progress} %` : '—'}</dd>
        <dt>Remaining</dt>
        <dd>{formatMinutes(printer.remainingMinutes)}</dd>
        <dt>Layer</dt>
        <dd>{layer}</dd>
        <dt>Nozzle</dt>
        <dd>{formatTemperature(printer.temperatures.nozzle)}</dd>
        <dt>Bed</dt>
        <dd>{formatTemperature(printer.temperatures.bed)}</dd>
        <dt>Chamber</dt>
        <dd>{formatTemperature(printer.temperatures.chamber)}</dd>
        <dt>Last seen</dt>
        <dd>{formatTime(printer.lastSeenAt)}</dd>
      </dl>
      {printer.errors.length > 0 && (
        <ul className="errors" aria-label="Errors">
          {printer.errors.map((e) => (
            <li key={e.code}>
              {e.severity}: {e.text} ({e.code})
            </li>
          ))}
        </ul>
      )}
      {printer.controlEnabled ? (
        <div className="actions">
          {(['pause', 'resume'] as const).map((name) => (
            <button key={name} type="button" onClick={() => send(name)} disabled={command.isPending || !can[name]}>
              {COMMAND_LABELS[name]}
            </button>
          ))}
          <button type="button" className="danger" onClick={() => setConfirmStop(true)} disabled={command.isPending || !can.stop}>
            Stop
          </button>
          {(['light_on', 'light_off'] as const).map((name) => (
            <button key={name} type="button" className="secondary" onClick={() => send(name)} disabled={command.isPending || !can[name]}>
              {COMMAND_LABELS[name]}
            </button>
          ))}
        </div>
      ) : (
        <p className="muted">Control is not enabled for this printer.</p>
      )}
      {command.isSuccess && (
        <p className="muted" role="status">
          {COMMAND_LABELS[command.variables]} sent.
        </p>
      )}
      <ErrorAlert error={command.error} />
      {confirmStop && (
        <StopDialog
          printerName={printer.name}
          onConfirm={() => {
            setConfirmStop(false)
            send('stop')
          }}
          onCancel={() => setConfirmStop(false)}
        />
      )}
    </article>
  )
}
