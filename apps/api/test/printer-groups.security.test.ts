import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { before, describe, test } from 'node:test'
import { SYSTEM_CONTEXT, withTx } from '@printforge/db'
import { auditRows, multipart, useApi } from './helper.ts'
import { slicedProject } from './models.ts'
import { SseReader } from './sse.ts'
import { until } from './until.ts'

// Printer groups with per-group staff roles (docs/product.md §5.4), through the API. The database
// test (packages/db/test/rls-groups.test.ts) proves the same scoping with no API in front.
const api = useApi()
type Auth = { authorization: string }

const call = (method: string, url: string, headers: Auth, payload?: unknown) =>
  api.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as string } : {}) })

async function registerPrinter(model = 'X1C'): Promise<string> {
  const admin = await api.staff('admin')
  const res = await call('POST', '/printers', admin.auth, { name: `g-${model}`, model, serial: `00M${randomBytes(6).toString('hex').toUpperCase()}`, host: '192.168.1.70', accessCode: '12345678' })
  assert.equal(res.statusCode, 201, res.body)
  return res.json().printer.id as string
}

async function dispatch(auth: Auth, parts: { name: string; value: string }[]) {
  const body = multipart([...parts, { name: 'model', filename: 'benchy.gcode.3mf', content: await slicedProject() }])
  return api.app.inject({ method: 'POST', url: '/manufacturing/create', headers: { ...auth, ...body.headers }, payload: body.payload })
}

async function jobOn(printerId: string): Promise<string> {
  const res = await dispatch((await api.staff('admin')).auth, [{ name: 'printerId', value: printerId }])
  assert.equal(res.statusCode, 202, res.body)
  return res.json().manufacturingJob.id as string
}

const name = () => `room ${randomBytes(4).toString('hex')}`

describe('printer groups (docs/product.md §5.4)', () => {
  let admin: { id: string; auth: Auth }
  let groupA: string, groupB: string, a: string, b: string, loose: string
  let opA: { id: string; auth: Auth }, adminA: { id: string; auth: Auth }

  before(async () => {
    admin = await api.staff('admin')
    a = await registerPrinter('X1C')
    b = await registerPrinter('P1S')
    loose = await registerPrinter('A1')
    groupA = (await call('POST', '/printer-groups', admin.auth, { name: name() })).json().group.id
    groupB = (await call('POST', '/printer-groups', admin.auth, { name: name() })).json().group.id
    assert.equal((await call('PUT', `/printer-groups/${groupA}/printers/${a}`, admin.auth)).statusCode, 200)
    assert.equal((await call('PUT', `/printer-groups/${groupB}/printers/${b}`, admin.auth)).statusCode, 200)
    opA = await api.staff('none')
    adminA = await api.staff('none')
    assert.equal((await call('PUT', `/printer-groups/${groupA}/staff/${opA.id}`, admin.auth, { role: 'operator' })).statusCode, 200)
    assert.equal((await call('PUT', `/printer-groups/${groupA}/staff/${adminA.id}`, admin.auth, { role: 'admin' })).statusCode, 200)
    // B has staff of its own: A's staff must not see B through them.
    assert.equal((await call('PUT', `/printer-groups/${groupB}/staff/${(await api.staff('none')).id}`, admin.auth, { role: 'admin' })).statusCode, 200)
  })

  test('an admin manages groups; every change has its audit row; the list shows printers and staff', async () => {
    const g = (await call('POST', '/printer-groups', admin.auth, { name: 'Site North' })).json().group
    assert.equal((await call('PATCH', `/printer-groups/${g.id}`, admin.auth, { name: 'Site North (hall 2)' })).statusCode, 200)
    assert.equal((await call('PUT', `/printer-groups/${g.id}/printers/${loose}`, admin.auth)).statusCode, 200)
    // Adding it again changes nothing and is not audited twice.
    assert.equal((await call('PUT', `/printer-groups/${g.id}/printers/${loose}`, admin.auth)).statusCode, 200)
    const user = await api.staff('none')
    const granted = await call('PUT', `/printer-groups/${g.id}/staff/${user.id}`, admin.auth, { role: 'admin' })
    assert.deepEqual(granted.json().group.staff, [{ userId: user.id, role: 'admin' }])
    assert.deepEqual(granted.json().group.printerIds, [loose])
    const listed = (await call('GET', '/printer-groups', admin.auth)).json().items.find((x: { id: string }) => x.id === g.id)
    assert.equal(listed.name, 'Site North (hall 2)')
    assert.equal((await call('DELETE', `/printer-groups/${g.id}/staff/${user.id}`, admin.auth)).statusCode, 200)
    assert.equal((await call('DELETE', `/printer-groups/${g.id}/printers/${loose}`, admin.auth)).statusCode, 200)
    assert.equal((await call('DELETE', `/printer-groups/${g.id}`, admin.auth)).statusCode, 204)
    const actions = (await auditRows(api, { targetId: g.id })).map((r) => [r.action, r.actorId])
    assert.deepEqual(actions, [
      'printer_group.created', 'printer_group.renamed', 'printer_group.printer_added', 'printer_group.role_granted',
      'printer_group.role_revoked', 'printer_group.printer_removed', 'printer_group.deleted',
    ].map((action) => [action, admin.id]))
  })

  test('bad input is a clear 4xx and changes nothing', async () => {
    const before = (await auditRows(api)).length
    const cases: [string, string, unknown, number][] = [
      ['POST', '/printer-groups', { name: '' }, 400],
      ['POST', '/printer-groups', { name: '   ' }, 400],
      ['POST', '/printer-groups', { name: 'a\u0000b' }, 400],
      ['POST', '/printer-groups', { name: 'x'.repeat(121) }, 400],
      ['POST', '/printer-groups', { name: 'ok', createdBy: 'me' }, 400],
      ['PATCH', '/printer-groups/not-a-uuid', { name: 'x' }, 400],
      ['PATCH', `/printer-groups/${randomUUID()}`, { name: 'x' }, 404],
      ['PUT', `/printer-groups/${randomUUID()}/printers/${a}`, undefined, 404],
      ['PUT', `/printer-groups/${groupA}/printers/${randomUUID()}`, undefined, 404],
      ['DELETE', `/printer-groups/${groupA}/printers/${loose}`, undefined, 404],
      ['PUT', `/printer-groups/${groupA}/staff/${opA.id}`, { role: 'owner' }, 400],
      ['PUT', `/printer-groups/${groupA}/staff/bad%20id`, { role: 'operator' }, 400],
      ['DELETE', `/printer-groups/${groupA}/staff/user_nobody`, undefined, 404],
      ['DELETE', `/printer-groups/${randomUUID()}`, undefined, 404],
    ]
    for (const [method, url, payload, status] of cases) {
      const res = await call(method, url, admin.auth, payload)
      assert.equal(res.statusCode, status, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`)
    }
    const taken = (await call('GET', '/printer-groups', admin.auth)).json().items[0].name
    assert.equal((await call('POST', '/printer-groups', admin.auth, { name: taken })).statusCode, 409)
    // A global role already holds in all groups.
    const operator = await api.staff('operator')
    assert.equal((await call('PUT', `/printer-groups/${groupA}/staff/${operator.id}`, admin.auth, { role: 'admin' })).statusCode, 409)
    assert.equal((await auditRows(api)).length, before, 'a refused request wrote an audit row')
  })

  test("an operator of group A sees A's printers and jobs only: B's are 404, for reads and commands", async () => {
    const [jobA, jobB, jobLoose] = [await jobOn(a), await jobOn(b), await jobOn(loose)]
    const printers = (await call('GET', '/printers?limit=100', opA.auth)).json().items.map((p: { id: string }) => p.id)
    assert.deepEqual(printers, [a])
    assert.equal((await call('GET', `/printers/${a}`, opA.auth)).statusCode, 200)
    for (const id of [b, loose]) {
      assert.equal((await call('GET', `/printers/${id}`, opA.auth)).statusCode, 404)
      assert.equal((await call('POST', `/printers/${id}/commands`, opA.auth, { command: 'pause' })).statusCode, 404)
    }
    assert.equal((await call('POST', `/printers/${a}/commands`, opA.auth, { command: 'refresh' })).statusCode, 202)
    const jobs = (await call('GET', '/manufacturing?limit=100', opA.auth)).json().items.map((j: { id: string }) => j.id)
    assert.ok(jobs.includes(jobA) && !jobs.includes(jobB) && !jobs.includes(jobLoose), JSON.stringify(jobs))
    for (const id of [jobB, jobLoose]) {
      assert.equal((await call('GET', `/manufacturing/${id}`, opA.auth)).statusCode, 404)
      assert.equal((await call('POST', `/manufacturing/${id}/cancel`, opA.auth)).statusCode, 404)
    }
    const detail = (await call('GET', `/manufacturing/${jobA}`, opA.auth)).json().manufacturingJob
    assert.equal(detail.id, jobA)
    assert.equal((await call('POST', `/manufacturing/${jobA}/cancel`, opA.auth)).statusCode, 200)
    const [cancelled] = await auditRows(api, { action: 'manufacturing.cancelled', targetId: jobA })
    assert.equal(cancelled?.actorId, opA.id)
  })

  test('group staff reach no other staff route; /me shows their groups', async () => {
    const me = (await call('GET', '/me', opA.auth)).json().me
    assert.equal(me.role, 'group_operator')
    assert.deepEqual(me.groups.map((g: { id: string; role: string }) => [g.id, g.role]), [[groupA, 'operator']])
    assert.equal((await call('GET', '/me', adminA.auth)).json().me.role, 'group_admin')
    assert.deepEqual((await call('GET', '/me', admin.auth)).json().me.groups, [])
    for (const who of [opA, adminA]) {
      for (const [method, url, payload] of [
        ['GET', '/staff', undefined], ['GET', '/printer-groups', undefined], ['POST', '/printer-groups', { name: name() }],
        ['PUT', `/printer-groups/${groupA}/staff/${who.id}`, { role: 'admin' }], ['PUT', `/printer-groups/${groupA}/printers/${b}`, undefined],
        ['PATCH', `/printers/${a}`, { name: 'mine' }], ['DELETE', `/printers/${a}`, undefined], ['GET', '/stats/dashboard', undefined],
        ['GET', '/jobs', undefined], ['GET', '/audit', undefined], ['GET', '/print-files', undefined],
      ] as const) {
        const res = await call(method, url, who.auth, payload)
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.statusCode}`)
      }
    }
  })

  test('a group admin dispatches to its own printers only, naming one; a group operator does not dispatch', async () => {
    const ok = await dispatch(adminA.auth, [{ name: 'printerId', value: a }])
    assert.equal(ok.statusCode, 202, ok.body)
    const [created] = await auditRows(api, { action: 'manufacturing.created', targetId: ok.json().manufacturingJob.id })
    assert.equal(created?.actorId, adminA.id)
    const refused: [{ name: string; value: string }[], number][] = [
      [[{ name: 'printerId', value: b }], 404],
      [[{ name: 'printerId', value: loose }], 404],
      [[{ name: 'model', value: 'X1C' }], 400],
    ]
    for (const [parts, status] of refused) {
      const user = await groupAdminOf(groupA)
      const res = await dispatch(user.auth, parts)
      // Nothing was created whatever the answer (the database refuses it too: policy group_dispatch).
      assert.equal(await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.manufacturingJob.count({ where: { createdBy: user.id } })), 0)
      assert.equal(res.statusCode, status, `${JSON.stringify(parts)}: ${res.body}`)
    }
    // Admin of B but only operator of A: a printer of A is visible, yet not theirs to dispatch to.
    const mixed = await api.staff('none')
    await call('PUT', `/printer-groups/${groupA}/staff/${mixed.id}`, admin.auth, { role: 'operator' })
    await call('PUT', `/printer-groups/${groupB}/staff/${mixed.id}`, admin.auth, { role: 'admin' })
    assert.equal((await dispatch(mixed.auth, [{ name: 'printerId', value: a }])).statusCode, 403)
    assert.equal((await dispatch(mixed.auth, [{ name: 'printerId', value: b }])).statusCode, 202)
    assert.equal((await dispatch(opA.auth, [{ name: 'printerId', value: a }])).statusCode, 403)
  })

  test('a global operator still sees every printer and job', async () => {
    const operator = await api.staff('operator')
    const printers = (await call('GET', '/printers?limit=100', operator.auth)).json().items.map((p: { id: string }) => p.id)
    for (const id of [a, b, loose]) assert.ok(printers.includes(id))
    const jobB = await jobOn(b)
    assert.equal((await call('GET', `/manufacturing/${jobB}`, operator.auth)).statusCode, 200)
  })

  test('a global role replaces the member\'s group roles (audited); revoking a group role takes effect at once', async () => {
    const user = await api.staff('none')
    await call('PUT', `/printer-groups/${groupB}/staff/${user.id}`, admin.auth, { role: 'operator' })
    assert.equal((await call('GET', `/printers/${b}`, user.auth)).statusCode, 200)
    await call('DELETE', `/printer-groups/${groupB}/staff/${user.id}`, admin.auth)
    assert.equal((await call('GET', `/printers/${b}`, user.auth)).statusCode, 403, 'no role left: no printer route')
    await call('PUT', `/printer-groups/${groupB}/staff/${user.id}`, admin.auth, { role: 'operator' })
    assert.equal((await call('PUT', `/staff/${user.id}`, admin.auth, { role: 'operator' })).statusCode, 200)
    const rows = await withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.staffGroupRole.count({ where: { userId: user.id } }))
    assert.equal(rows, 0)
    const [changed] = (await auditRows(api, { action: 'staff.changed', targetId: user.id })).slice(-1)
    assert.deepEqual((changed?.details as { groupRolesRemoved: unknown[] }).groupRolesRemoved, [{ groupId: groupB, role: 'operator' }])
  })

  test("GET /live: an operator of group A gets A's changes and never B's", async () => {
    await api.app.listen({ host: '127.0.0.1', port: 0 })
    const address = api.app.server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
    // /live answers 503 until the API's LISTEN connection is up (a moment after start, longer under load).
    await until('the live listener to connect', () => api.app.live.listener.listening, 10_000)
    const stream = await SseReader.open(`${base}/live`, opA.auth)
    assert.equal(stream.status, 200)
    const write = (printerId: string, progress: number) =>
      withTx(api.db, SYSTEM_CONTEXT, (tx) => tx.printerStatus.update({ where: { printerId }, data: { progress }, select: { printerId: true } }))
    try {
      await stream.named('ready')
      await write(b, 17)
      await write(loose, 18)
      await write(a, 19)
      await stream.next((e) => e.event === 'printer' && JSON.parse(e.data).id === a && JSON.parse(e.data).progress === 19)
      const seen = stream.events.filter((e) => e.event === 'printer').map((e) => JSON.parse(e.data).id as string)
      assert.deepEqual([...new Set(seen)], [a])
    } finally {
      stream.abort()
    }
  })
})

async function groupAdminOf(groupId: string) {
  const admin = await api.staff('admin')
  const user = await api.staff('none')
  await call('PUT', `/printer-groups/${groupId}/staff/${user.id}`, admin.auth, { role: 'admin' })
  return user
}
