// The bundled Bambu certificates are the ones documented in data/README.md, and the device CAs sit in
// every printer's verification store so a printer that sends only its leaf verifies (§1.2).
import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { loadBambuCaBundle, loadBambuDeviceCas } from '../src/ca-bundle.ts'
import { printerTlsOptions } from '../src/tls.ts'

const certs = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c))

/** Subject CN → SHA-256 fingerprint, as recorded in data/README.md (ha-bambulab pybambu/certs). */
const DEVICE_CAS: Record<string, string> = {
  'BBL Device CA N7-V2': '6A:85:4D:54:6E:D6:E3:CE:7A:21:12:65:7E:53:F4:55:53:74:41:3E:6F:5C:B5:5F:99:5D:1D:DD:7C:06:DC:69',
  'BBL Device CA O1C2-V2': 'CE:66:7B:6C:00:1D:26:C3:4E:D9:73:33:FB:60:99:69:94:09:FC:3D:4E:12:42:9C:37:BA:EB:B0:5C:46:C6:0A',
  'BBL Device CA N6-V2': '68:BF:31:82:BC:32:D5:A5:45:4F:86:49:28:AB:AA:29:19:41:F6:D5:AC:6A:86:A0:E5:AD:6E:CF:E2:D5:47:7B',
}

const cn = (c: X509Certificate) => /CN=([^\n]+)/.exec(c.subject)?.[1]

describe('Bambu CA bundle', () => {
  test('the device CAs are the documented ones, each a CA issued and signed by BBL CA2 RSA', () => {
    const devices = certs(loadBambuDeviceCas())
    assert.deepEqual(Object.fromEntries(devices.map((c) => [cn(c), c.fingerprint256])), DEVICE_CAS)
    const ca2 = certs(loadBambuCaBundle()).find((c) => cn(c) === 'BBL CA2 RSA' && c.issuer === c.subject)
    assert.ok(ca2, 'the self-signed BBL CA2 RSA root is in the bundle')
    for (const d of devices) {
      assert.equal(d.ca, true, `${cn(d)} is a CA`)
      assert.ok(d.checkIssued(ca2), `${cn(d)} names BBL CA2 RSA as issuer`)
      assert.ok(d.verify(ca2.publicKey), `${cn(d)} carries BBL CA2 RSA's signature`)
      assert.ok(new Date(d.validTo) > new Date('2039-01-01'))
    }
  })

  test('every printer connection trusts the roots and holds the device CAs for chain building', () => {
    const o = printerTlsOptions('SERIAL1')
    const held = o.ca.flatMap((pem) => certs(pem).map((c) => c.fingerprint256))
    for (const fp of Object.values(DEVICE_CAS)) assert.ok(held.includes(fp))
    assert.equal(held.length, 8, 'five BBL roots and cross-certificates, three device CAs')
  })
})
