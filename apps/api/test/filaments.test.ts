// Filament-aware dispatch at the API (docs/integrations.md "Filament-aware dispatch"): an upload's
// filament metadata is read within bounds and shown with the file; a dispatch whose plate needs
// filaments no eligible printer reports loaded is refused (409) and leaves nothing behind.
import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx, type Prisma } from '@printforge/db'
import { multipart, useApi } from './helper.ts'
import { lieAboutSize, sliceInfo, slicedProject, TWO_COLOURS, zip } from './models.ts'

const api = useApi({ MAX_MODEL_BYTES: 8 * 1024 * 1024 })
const models = () => api.store.listKeys('models/')
const sys = <T>(fn: (tx: Prisma.TransactionClient) => Promise<T>) => withTx(api.db, SYSTEM_CONTEXT, fn as never) as Promise<T>

async function upload(url: '/print-files' | '/manufacturing/create', file: Buffer, fields: Record<string, string>) {
  const body = multipart([...Object.entries(fields).map(([name, value]) => ({ name, value })), { name: 'model', filename: 'two.gcode.3mf', content: file, contentType: 'application/octet-stream' }])
  // A fresh admin each time: dispatch is rate limited per person.
  return api.app.inject({ method: 'POST', url, headers: { ...(await api.staff('admin')).auth, ...body.headers }, payload: body.payload })
}

const tray = (amsId: number, trayId: number, type: string | null, color: string | null, remain: number | null = 100) => ({ amsId, trayId, type, color, remain, external: false })
let serial = 0

/** A registered printer whose status row reports `ams`, as the worker's status writer leaves it. */
async function printerWith(name: string, model: 'P1S' | 'X1C', ams: object[]): Promise<string> {
  const admin = await api.staff('admin')
  const res = await api.app.inject({
    method: 'POST', url: '/printers', headers: admin.auth,
    payload: { name, model, serial: `01P00A${String(++serial).padStart(9, '0')}`, host: '192.168.1.60', accessCode: '12345678' },
  })
  assert.equal(res.statusCode, 201, res.body)
  const id = res.json().printer.id as string
  await sys((tx) => tx.printerStatus.upsert({ where: { printerId: id }, create: { printerId: id, ams: ams as Prisma.InputJsonArray }, update: { ams: ams as Prisma.InputJsonArray } }))
  return id
}

const WANTED = { slots: 3, filaments: [{ slot: 1, type: 'PLA', color: 'FFFFFF' }, { slot: 2, type: 'PLA', color: 'C12E1F' }] }

describe('filaments at upload', () => {
  test('a print file shows what its plate needs: per slot, type and colour; the project slot count', async () => {
    const res = await upload('/print-files', await slicedProject([1], TWO_COLOURS), { name: 'two colours', model: 'P1S' })
    assert.equal(res.statusCode, 201, res.body)
    const file = res.json().printFile
    assert.deepEqual(file.filaments, WANTED)
    const list = await api.app.inject({ method: 'GET', url: '/print-files', headers: (await api.staff('operator')).auth })
    assert.deepEqual(list.json().items.find((f: { id: string }) => f.id === file.id)?.filaments, WANTED)
  })

  test('a model without filament metadata has none (filaments null), and dispatches unchecked', async () => {
    const res = await upload('/print-files', await slicedProject([1]), { name: 'plain', model: 'P1S' })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json().printFile.filaments, null)
  })

  test('malformed, lying or oversized metadata is a 400 naming the file; nothing is stored', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [await slicedProject([1], TWO_COLOURS, { 'Metadata/slice_info.config': '<config><plate><metadata key="index" value="1"/><filament id="1" type="PLA" color="white"/></plate></config>' }), /slice_info.config is malformed: filament 1 has no #RRGGBB colour/],
      [await slicedProject([1], TWO_COLOURS, { 'Metadata/project_settings.config': '{"filament_type": ["PLA"]}' }), /project_settings.config is malformed: plate 1 uses filament 2 of only 1/],
      [await slicedProject([1], TWO_COLOURS, { 'Metadata/project_settings.config': '{not json' }), /project_settings.config is malformed: it is not JSON/],
      [await slicedProject([1], TWO_COLOURS, { 'Metadata/slice_info.config': sliceInfo([2], TWO_COLOURS) }), /does not describe plate 1/],
      // Declared too large: refused before a byte is inflated.
      [await slicedProject([1], TWO_COLOURS, { 'Metadata/slice_info.config': `<config>${' '.repeat(600 * 1024)}</config>` }), /slice_info.config is larger than 524288 bytes/],
    ]
    // A header that declares a small size for a large entry: refused while inflating, at the bound.
    const honest = await slicedProject([1], TWO_COLOURS, { 'Metadata/slice_info.config': `<config>${' '.repeat(600 * 1024)}</config>` })
    const lying = lieAboutSize(honest, 'Metadata/slice_info.config', 1000)
    for (const [file, message] of cases) {
      const before = await models()
      const res = await upload('/print-files', file, { name: 'bad', model: 'P1S' })
      assert.equal(res.statusCode, 400, res.body)
      assert.match(res.json().error.message, message)
      assert.deepEqual(await models(), before)
    }
    const res = await upload('/print-files', lying, { name: 'bad', model: 'P1S' })
    assert.equal(res.statusCode, 415, res.body) // yauzl's size validation: a corrupt archive
  })
})

describe('filaments at dispatch', () => {
  let both: string
  let onlyWhite: string
  before(async () => {
    onlyWhite = await printerWith('a-only-white', 'P1S', [tray(0, 0, 'PLA', 'FFFFFFFF'), tray(0, 1, 'PLA', 'C12E1FFF', 0)])
    await printerWith('b-petg', 'P1S', [tray(0, 0, 'PETG', 'FFFFFFFF'), tray(0, 1, 'PETG', 'C12E1FFF')])
    await printerWith('x-both-but-x1c', 'X1C', [tray(0, 0, 'PLA', 'FFFFFFFF'), tray(0, 1, 'PLA', 'C12E1FFF')])
    both = await printerWith('c-both', 'P1S', [tray(0, 0, 'PLA', '000000FF'), tray(0, 2, 'PLA', 'C12E1FFF'), tray(0, 3, 'PLA', 'FFFFFFFF')])
  })

  test('GET /printers shows each printer’s loaded trays', async () => {
    const res = await api.app.inject({ method: 'GET', url: `/printers/${both}`, headers: (await api.staff('operator')).auth })
    assert.deepEqual(res.json().printer.ams, [tray(0, 0, 'PLA', '000000FF'), tray(0, 2, 'PLA', 'C12E1FFF'), tray(0, 3, 'PLA', 'FFFFFFFF')])
  })

  test('"any P1S" is accepted when one P1S has both colours; the job carries what it needs', async () => {
    const res = await upload('/manufacturing/create', await slicedProject([1], TWO_COLOURS), { model: 'P1S' })
    assert.equal(res.statusCode, 202, res.body)
    const job = await api.app.inject({ method: 'GET', url: `/manufacturing/${res.json().manufacturingJob.id}`, headers: (await api.staff('operator')).auth })
    assert.deepEqual(job.json().manufacturingJob.filaments, WANTED)
  })

  test('no printer of the model has them: 409 FILAMENT_MISMATCH naming slot, type and colour; no job, no file', async () => {
    const green = [TWO_COLOURS[0]!, { type: 'PLA', color: '#00AE42', plates: [1] }]
    const jobsBefore = await sys((tx) => tx.manufacturingJob.count())
    const modelsBefore = await models()
    const res = await upload('/manufacturing/create', await slicedProject([1], green), { model: 'P1S' })
    assert.equal(res.statusCode, 409, res.body)
    assert.equal(res.json().error.code, 'FILAMENT_MISMATCH')
    assert.match(res.json().error.message, /No P1S printer has the filaments this plate needs loaded \(the closest, a-only-white, lacks slot 2: PLA #00AE42\)/)
    assert.equal(await sys((tx) => tx.manufacturingJob.count()), jobsBefore)
    assert.deepEqual(await models(), modelsBefore)
    const noneOfModel = await upload('/manufacturing/create', await slicedProject([1], TWO_COLOURS), { model: 'A1' })
    assert.equal(noneOfModel.statusCode, 409)
    assert.match(noneOfModel.json().error.message, /No A1 printer is registered to print slot 1: PLA #FFFFFF, slot 2: PLA #C12E1F/)
  })

  test('a named printer without them is refused too; a hand-made amsMapping is the override', async () => {
    const res = await upload('/manufacturing/create', await slicedProject([1], TWO_COLOURS), { printerId: onlyWhite })
    assert.equal(res.statusCode, 409, res.body)
    assert.match(res.json().error.message, /Printer a-only-white does not have the filaments this plate needs loaded: it lacks slot 2: PLA #C12E1F/)
    const override = await upload('/manufacturing/create', await slicedProject([1], TWO_COLOURS), { printerId: onlyWhite, amsMapping: '[0,1,-1]' })
    assert.equal(override.statusCode, 202, override.body)
    const named = await upload('/manufacturing/create', await slicedProject([1], TWO_COLOURS), { printerId: both })
    assert.equal(named.statusCode, 202, named.body)
  })

  test('an unreadable slice is refused before any printer is considered', async () => {
    const res = await upload('/manufacturing/create', await zip([['Metadata/plate_1.gcode', 'G28\n'], ['Metadata/slice_info.config', '<plate><metadata key="index" value="1"/>']]), { model: 'P1S' })
    assert.equal(res.statusCode, 400, res.body)
    assert.match(res.json().error.message, /unterminated <plate>/)
  })
})
