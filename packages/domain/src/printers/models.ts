// The printer models PrintForge accepts: the database enum is the list (API, CLI and console all read
// it from here), and each maps to the Bambu client's spelling, whose per-model wire rules live in
// packages/bambu MODEL_PROTOCOL (docs/bambu-protocol.md §2.4, §4.3).
import type { BambuModel as ClientModel } from '@printforge/bambu'
import { BambuModel } from '@printforge/db'

export const PRINTER_MODELS = Object.values(BambuModel) as readonly BambuModel[]

/** The database spells the A1 mini `A1MINI`; the client (like Bambu's firmware) `A1M`. */
export const clientModel = (model: BambuModel): ClientModel => (model === 'A1MINI' ? 'A1M' : model)
