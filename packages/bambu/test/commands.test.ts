// Typed commands against the virtual printer: payload shape, ack correlation, refusals, and the
// Developer-Mode-off signal.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { projectFile, projectFileUrl } from '../src/commands.ts'
import { farm, session, sleep, waitUntil } from './helpers.ts'

describe('commands', () => {
  test('project_file carries every §2.4 field, bed_leveling spelling, booleans and a task id below 2^31', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }], speed: 50 })
    const p = f.printers[0]!
    await p.putFile('printforge/a.gcode.3mf', Buffer.alloc(10))
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    const job = await s.startProjectFile({ remotePath: 'printforge/a.gcode.3mf', subtaskName: 'part A', plate: 2, md5: 'abc', amsMapping: [0, -1], useAms: true })
    const sent = p.commands('print', 'project_file')[0]!.message!.print!
    assert.equal(sent.param, 'Metadata/plate_2.gcode')
    assert.equal(sent.url, 'file:///sdcard/printforge/a.gcode.3mf')
    assert.equal(sent.file, 'a.gcode.3mf')
    assert.equal(sent.subtask_name, 'part A')
    assert.equal(sent.md5, 'abc')
    assert.equal(sent.bed_leveling, true)
    assert.equal('bed_levelling' in sent, false)
    for (const k of ['timelapse', 'bed_leveling', 'flow_cali', 'vibration_cali', 'layer_inspect', 'use_ams']) assert.equal(typeof sent[k], 'boolean', k)
    assert.deepEqual(sent.ams_mapping, [0, -1])
    assert.equal(sent.bed_type, 'auto')
    assert.equal(sent.task_id, String(job.taskId))
    assert.equal(sent.subtask_id, String(job.taskId))
    assert.ok(job.taskId > 0 && job.taskId < 2 ** 31)
    await s.waitForStatus((x) => x.gcodeState === 'FINISH', 30_000)
    const second = await s.startProjectFile({ remotePath: 'printforge/a.gcode.3mf', subtaskName: 'part A again' })
    assert.notEqual(second.taskId, job.taskId, 'task ids are unique per submission')
  })

  test('URL form follows the model; bad paths and out-of-range ids are refused before sending', () => {
    assert.equal(projectFileUrl('X1C', 'a.3mf'), 'file:///sdcard/a.3mf')
    assert.equal(projectFileUrl('H2D', '/jobs/a.3mf'), 'ftp:///jobs/a.3mf')
    assert.throws(() => projectFileUrl('P1S', '../etc/passwd'), TypeError)
    assert.throws(() => projectFileUrl('P1S', 'a\r\nDELE x'), TypeError)
    assert.throws(() => projectFile('P1S', { remotePath: 'a.3mf', subtaskName: 'x', taskId: 2 ** 31 }), TypeError)
    assert.throws(() => projectFile('P1S', { remotePath: 'a.3mf', subtaskName: 'x', taskId: 0 }), TypeError)
  })

  test('a busy printer: the client refuses a second project_file, and the printer would answer 0500_4004', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }], speed: 1 })
    const p = f.printers[0]!
    await p.putFile('a.3mf', Buffer.alloc(10))
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    await s.startProjectFile({ remotePath: 'a.3mf', subtaskName: 'first' })
    await s.waitForStatus((x) => x.gcodeState === 'PREPARE', 15_000)
    await assert.rejects(s.startProjectFile({ remotePath: 'a.3mf', subtaskName: 'second' }), { code: 'PRINTER_BUSY' })
    assert.equal(p.commands('print', 'project_file').length, 1, 'the guard sent nothing')
    // Bypassing the guard shows why it exists: the printer refuses with 0500_4004.
    const { projectFile: build } = await import('../src/commands.ts')
    await assert.rejects(s.send(build('X1C', { remotePath: 'a.3mf', subtaskName: 'second' })), { code: 'REJECTED', printerError: '0500_4004' })
    const st = await s.waitForStatus((x) => x.printError === '0500_4004', 15_000)
    assert.equal(st.subtaskName, 'first')
  })

  test('project_file for a file that is not on storage fails the job with 0500_8013', async (t) => {
    const f = await farm(t, { printers: [{ model: 'A1' }] })
    const s = session(t, f, f.printers[0]!)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    await s.startProjectFile({ remotePath: 'missing.3mf', subtaskName: 'ghost' })
    const st = await s.waitForStatus((x) => x.gcodeState === 'FAILED', 15_000)
    assert.equal(st.printError, '0500_8013')
  })

  test('pause, resume, stop and ledctrl are acknowledged by sequence_id', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }], speed: 2 })
    const p = f.printers[0]!
    await p.putFile('a.3mf', Buffer.alloc(10))
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    await s.setLight({ node: 'work_light', mode: 'on' })
    await s.waitForStatus((x) => x.lights.work_light === 'on', 15_000)
    await s.startProjectFile({ remotePath: 'a.3mf', subtaskName: 'x' })
    await s.waitForStatus((x) => x.gcodeState === 'RUNNING', 20_000)
    await s.pause()
    await s.waitForStatus((x) => x.gcodeState === 'PAUSE', 15_000)
    await s.resume()
    await s.waitForStatus((x) => x.gcodeState === 'RUNNING', 15_000)
    await s.stop()
    const st = await s.waitForStatus((x) => x.gcodeState === 'FAILED', 15_000)
    assert.equal(st.printError, '0300_400C')
    const seqs = p.requests.map((r) => Object.values(r.message ?? {})[0]?.sequence_id)
    assert.equal(new Set(seqs).size, seqs.length, 'every request has its own sequence_id')
  })

  test('an unanswered command times out with ACK_TIMEOUT', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { ackTimeoutMs: 500 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.stall(false)
    await assert.rejects(s.setLight({ node: 'chamber_light', mode: 'off' }), { code: 'ACK_TIMEOUT' })
  })

  test('acks are matched by sequence_id, not arrival order: a forged ack for another id is ignored', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    const s = session(t, f, p, { ackTimeoutMs: 1500 })
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.stall(false)
    const pending = s.setLight({ node: 'chamber_light', mode: 'off' })
    await waitUntil(() => p.commands('system', 'ledctrl').length === 1, 10_000, 'sent')
    const seq = String(p.commands('system', 'ledctrl')[0]!.message!.system!.sequence_id)
    p.injectRaw(JSON.stringify({ system: { command: 'ledctrl', sequence_id: `${seq}0`, result: 'success' } }))
    p.injectRaw(JSON.stringify({ print: { command: 'ledctrl', sequence_id: seq, result: 'success' } }))
    await assert.rejects(pending, { code: 'ACK_TIMEOUT' })
  })

  test('Developer Mode off: a P1S refusal sets controlEnabled false; an X1C says so through fun', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }, { model: 'X1C' }] })
    const [p1, x1] = f.printers as [NonNullable<(typeof f.printers)[0]>, NonNullable<(typeof f.printers)[0]>]
    await p1.putFile('a.3mf', Buffer.alloc(10))
    p1.setDeveloperMode(false)
    x1.setDeveloperMode(false)
    const sp = session(t, f, p1)
    const sx = session(t, f, x1)
    await waitUntil(() => sp.status.gcodeState === 'IDLE', 15_000, 'idle')
    assert.equal(sp.controlEnabled, true, 'a P1S does not send fun: nothing known yet')
    await assert.rejects(sp.startProjectFile({ remotePath: 'a.3mf', subtaskName: 'x' }), { code: 'CONTROL_DISABLED', printerError: '0502_4007' })
    assert.equal(sp.status.controlEnabled, false)
    await sx.waitForStatus((x) => x.controlEnabled === false, 15_000)
    x1.setDeveloperMode(true)
    await sx.waitForStatus((x) => x.controlEnabled === true, 15_000)
    await sleep(10)
  })

  test('probeControl finds Developer Mode off on a P1S before any print command, once per connection', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }, { model: 'A1' }, { model: 'X1C' }] })
    const [locked, open, x1] = f.printers as [NonNullable<(typeof f.printers)[0]>, NonNullable<(typeof f.printers)[0]>, NonNullable<(typeof f.printers)[0]>]
    locked.setDeveloperMode(false)
    const sl = session(t, f, locked)
    const so = session(t, f, open)
    const sx = session(t, f, x1)
    await waitUntil(() => sl.status.gcodeState === 'IDLE' && so.status.gcodeState === 'IDLE' && sx.status.gcodeState === 'IDLE', 15_000, 'idle')
    assert.equal(await sl.probeControl(), false)
    assert.equal(sl.status.controlEnabled, false)
    assert.equal(await so.probeControl(), true)
    assert.equal(await so.probeControl(), true)
    assert.equal(await sx.probeControl(), true, 'fun answers for an X1C')
    // The probe is the harmless M400, sent once per connection, and never to an X1C (fun says it).
    assert.deepEqual(open.commands('print', 'gcode_line').map((c) => c.message!.print!.param), ['M400\n'])
    assert.equal(locked.commands('print', 'gcode_line').length, 1)
    assert.equal(x1.commands('print', 'gcode_line').length, 0)
    assert.equal(locked.commands('print', 'project_file').length + open.commands('print', 'project_file').length, 0)
  })

  test('probeControl is refused on a busy printer: nothing is sent', async (t) => {
    const f = await farm(t, { printers: [{ model: 'A1' }], speed: 1 })
    const p = f.printers[0]!
    const s = session(t, f, p)
    await waitUntil(() => s.status.gcodeState === 'IDLE', 15_000, 'idle')
    p.job.start({ subtaskName: 'manual', gcodeFile: 'm.gcode.3mf', taskId: '7', subtaskId: '7', projectId: '0' })
    await s.waitForStatus((x) => x.gcodeState === 'PREPARE' || x.gcodeState === 'RUNNING', 15_000)
    await assert.rejects(s.probeControl(), { code: 'PRINTER_BUSY' })
    assert.equal(p.commands('print', 'gcode_line').length, 0)
  })
})
