// What a printer's `gcode_state` means for the farm (docs/bambu-protocol.md §3). One home: the
// session's command guard, the dispatcher, the API's delete rule and the dashboard all read these.
// No imports, so the API can use it without loading the MQTT client (`@printforge/bambu/gcode-states`).

/** A print is under way or being prepared: no new project_file may be sent (§3.2). */
export const BUSY_STATES: ReadonlySet<string> = new Set(['PREPARE', 'SLICING', 'RUNNING', 'PAUSE'])

/** The printer may take a new job. */
export const IDLE_STATES: ReadonlySet<string> = new Set(['IDLE', 'FINISH', 'FAILED'])

/** The printer reported a failed print (its errors say why). */
export const FAILED_STATE = 'FAILED'

/** As a list, for SQL (`gcode_state = ANY(…)`). */
export const BUSY_STATE_LIST: readonly string[] = [...BUSY_STATES]
