// The printer's identity is its certificate: Bambu's CA (or the caller's extra CA) + CN = serial.
// Anything else is "untrusted", and is not retried in a loop.
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { type PeerCertificate } from 'node:tls'
import { checkSerial, CN_MISMATCH, isTrustError, printerTlsOptions } from '../src/tls.ts'
import { farm, session, sleep, waitForState } from './helpers.ts'

describe('TLS verification', () => {
  test('a printer whose certificate comes from another CA is untrusted', async (t) => {
    const f = await farm(t, { printers: [{ model: 'X1C' }] })
    const p = f.printers[0]!
    await p.changeCertificate()
    const s = session(t, f, p)
    await waitForState(s, 'untrusted')
    assert.equal(p.connections, 0, 'no MQTT session may be opened, so the access code never left')
  })

  test('only the Bambu bundle is trusted unless the caller adds a CA', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const s = session(t, f, f.printers[0]!, { extraCaPems: [] })
    await waitForState(s, 'untrusted')
  })

  test('a certificate from the trusted CA whose CN is another serial is untrusted, even with a matching SAN', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    await p.useWrongCommonName()
    const s = session(t, f, p)
    await waitForState(s, 'untrusted')
    assert.equal(p.connections, 0)
  })

  test('untrusted is not retried in a tight loop, and a certificate swap on a live session is caught', async (t) => {
    const f = await farm(t, { printers: [{ model: 'P1S' }] })
    const p = f.printers[0]!
    // Fast backoff makes a retry loop obvious; the untrusted state must not use it.
    const s = session(t, f, p, { backoff: { initialMs: 20, maxMs: 50 } })
    await waitForState(s, 'online')
    await p.changeCertificate() // also drops the session, like a device swap or a MITM would
    await waitForState(s, 'untrusted')
    const attempts = s.stats.connectAttempts
    await sleep(1500)
    assert.equal(s.stats.connectAttempts, attempts, 'no reconnect attempts while untrusted')
    assert.equal(s.state, 'untrusted')
  })

  test('a verified printer comes back after the untrusted retry delay once the certificate is fixed', async (t) => {
    const f = await farm(t, { printers: [{ model: 'A1' }] })
    const p = f.printers[0]!
    await p.changeCertificate()
    const s = session(t, f, p, { untrustedRetryMs: 500 })
    await waitForState(s, 'untrusted')
    p.restoreCertificate()
    await waitForState(s, 'online')
  })

  test('checkSerial compares the CN exactly and marks the error as a trust failure', () => {
    const cert = (cn: string) => ({ subject: { CN: cn } }) as unknown as PeerCertificate
    assert.equal(checkSerial('01P00A123456789', cert('01P00A123456789')), undefined)
    for (const cn of ['01p00a123456789', '01P00A12345678', '01P00A123456789 ', '']) {
      const err = checkSerial('01P00A123456789', cert(cn))
      assert.ok(err instanceof Error)
      assert.equal((err as Error & { code: string }).code, CN_MISMATCH)
      assert.ok(isTrustError(err))
    }
    assert.equal(isTrustError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false)
  })

  test('TLS options always verify and always include the Bambu CA bundle', () => {
    const o = printerTlsOptions('SERIAL1', ['EXTRA'])
    assert.equal(o.rejectUnauthorized, true)
    assert.equal(o.servername, 'SERIAL1')
    assert.equal(o.ca.length, 3)
    assert.match(o.ca[0]!, /BEGIN CERTIFICATE/)
    assert.equal((o.ca[0]!.match(/BEGIN CERTIFICATE/g) ?? []).length, 5, 'the five BBL CA certificates')
    assert.equal(o.ca[2], 'EXTRA', 'after the roots and the device CAs')
  })
})
