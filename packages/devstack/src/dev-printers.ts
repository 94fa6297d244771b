import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { loadOrCreateTestCa, startPrinterFarm, type FarmPrinterSpec, type PrinterFarm } from '@printforge/printer-sim'

/** docs/product.md §11: the local stack runs an X1C, a P1S and an A1. */
const DEV_MODELS = ['X1C', 'P1S', 'A1'] as const

/**
 * Starts the local virtual printers with the serials and access codes of the previous run (kept
 * in .local/, git-ignored), so printers registered in the database keep matching; their CA is
 * the one `npm run sim` uses, and its PEM file is what the worker trusts as PRINTER_EXTRA_CA.
 */
export async function startDevPrinters(root: string, speed = 1): Promise<{ farm: PrinterFarm; caFile: string; specsFile: string }> {
  const localDir = path.join(root, '.local')
  const caDir = path.join(localDir, 'sim-ca')
  const specsFile = path.join(localDir, 'dev-printers.json')
  const ca = await loadOrCreateTestCa(caDir)
  const saved = existsSync(specsFile) ? (JSON.parse(await readFile(specsFile, 'utf8')) as FarmPrinterSpec[]) : undefined
  const farm = await startPrinterFarm({ ca, speed, printers: saved ?? DEV_MODELS.map((model) => ({ model })) })
  if (!saved) {
    await mkdir(localDir, { recursive: true, mode: 0o700 })
    const specs = farm.printers.map((p) => ({ model: p.model, serial: p.serial, accessCode: p.accessCode }))
    await writeFile(specsFile, `${JSON.stringify(specs, null, 2)}\n`, { mode: 0o600 })
  }
  return { farm, caFile: path.join(caDir, 'ca.pem'), specsFile }
}
