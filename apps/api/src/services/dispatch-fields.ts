import { AppError } from '@printforge/errors'
import type { BambuModel } from '@printforge/db'
import { PRINTER_MODELS } from '@printforge/domain'

export interface DispatchFields {
  printerId?: string
  model?: BambuModel
  plate: number
  scanJobId?: string
  useAms: boolean
  amsMapping: number[]
  bedLeveling: boolean
  timelapse: boolean
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MODELS = PRINTER_MODELS

const invalid = (message: string) => new AppError('VALIDATION_FAILED', message)

function bool(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (value === 'true' || value === '1') return true
  if (value === 'false' || value === '0') return false
  throw invalid(`${name} must be true or false.`)
}

/** The form fields of POST /manufacturing/create (docs/product.md §4.5), strictly typed. */
export function parseDispatchFields(fields: Record<string, string>): DispatchFields {
  const { printerId, model, scanJobId } = fields
  if (printerId !== undefined && !UUID.test(printerId)) throw invalid('printerId must be a UUID.')
  if (scanJobId !== undefined && !UUID.test(scanJobId)) throw invalid('scanJobId must be a UUID.')
  if (model !== undefined && !MODELS.includes(model as BambuModel)) throw invalid(`model must be one of ${MODELS.join(', ')}.`)
  if (printerId === undefined && model === undefined) throw invalid('Give printerId, or model to let the dispatcher choose an idle printer.')
  const plate = fields['plate'] === undefined ? 1 : Number(fields['plate'])
  if (!Number.isInteger(plate) || plate < 1 || plate > 64) throw invalid('plate must be an integer from 1 to 64.')
  let amsMapping: number[] = []
  if (fields['amsMapping'] !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(fields['amsMapping'])
    } catch {
      throw invalid('amsMapping must be a JSON array of integers, e.g. [0,1,-1].')
    }
    if (!Array.isArray(parsed) || parsed.length > 16 || !parsed.every((n) => Number.isInteger(n) && n >= -1 && n <= 255)) {
      throw invalid('amsMapping must be a JSON array of at most 16 integers from -1 to 255.')
    }
    amsMapping = parsed as number[]
  }
  const useAms = bool('useAms', fields['useAms'], amsMapping.length > 0)
  return {
    ...(printerId ? { printerId } : {}),
    ...(model ? { model: model as BambuModel } : {}),
    ...(scanJobId ? { scanJobId } : {}),
    plate,
    useAms,
    amsMapping,
    bedLeveling: bool('bedLeveling', fields['bedLeveling'], true),
    timelapse: bool('timelapse', fields['timelapse'], false),
  }
}
