import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { decodeHms, formatPrintError } from '../src/codes.ts'
import { nextTaskId } from '../src/commands.ts'
import { signatureRequired, unpackTemperature } from '../src/status.ts'

describe('codes and fields', () => {
  test('print_error renders XXXX_XXXX; 0 and junk are null', () => {
    assert.equal(formatPrintError(117473286), '0700_8006')
    assert.equal(formatPrintError(50348044), '0300_400C')
    assert.equal(formatPrintError('83902468'), '0500_4004')
    for (const v of [0, -1, 2 ** 32, 1.5, 'abc', null, {}]) assert.equal(formatPrintError(v), null)
  })

  test('HMS renders AAAA_AAAA_CCCC_CCCC with module and severity', () => {
    assert.deepEqual(decodeHms({ attr: 50331904, code: 65543 }), {
      code: '0300_0100_0001_0007', severity: 'fatal', module: 3, text: 'The heatbed temperature is abnormal; the sensor may have an open circuit.',
    })
    assert.equal(decodeHms({ attr: 0x07000200, code: 0x00040001 })?.severity, 'info')
    assert.equal(decodeHms({ attr: 0x05000500, code: 0x00010007 })?.text, 'MQTT command verification failed (Developer Mode is off).')
    assert.equal(decodeHms({ attr: 'x', code: 1 }), null)
  })

  test('packed temperatures and the fun bit', () => {
    assert.deepEqual(unpackTemperature((220 << 16) | 215), { current: 215, target: 220 })
    assert.equal(signatureRequired('3EC1AFFF9CFF'), true)
    assert.equal(signatureRequired('3EC18FFF9CFF'), false)
    assert.equal(signatureRequired(undefined), null)
  })

  test('task ids are unique, increasing and below 2^31, even within one second', () => {
    const now = Date.now()
    const ids = Array.from({ length: 100 }, () => nextTaskId(now))
    assert.equal(new Set(ids).size, 100)
    assert.ok(ids.every((id) => id >= 1 && id < 2 ** 31))
    assert.ok(nextTaskId(Date.UTC(2093, 0, 1)) < 2 ** 31)
  })
})
