import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { decryptAccessCode, encryptAccessCode, needsRotation, parsePrinterKeys } from '../src/index.ts'

const k = () => randomBytes(32).toString('base64')

describe('printer access codes at rest', () => {
  test('round trip under the newest key; older keys still decrypt; rotation is detected', () => {
    const old = parsePrinterKeys(`k1:${k()}`)
    const sealed = encryptAccessCode(old, '12345678', '01P00A000000001')
    assert.notEqual(sealed.ciphertext.toString('utf8'), '12345678')
    assert.equal(sealed.nonce.length, 12)
    const both = parsePrinterKeys(`k2:${k()},k1:${Buffer.from(old.keys.get('k1')!).toString('base64')}`)
    assert.equal(decryptAccessCode(both, sealed, '01P00A000000001'), '12345678')
    assert.equal(needsRotation(both, sealed), true)
    assert.equal(encryptAccessCode(both, '87654321', 'S').keyId, 'k2')
  })

  test('nonces are never reused; tampering, another serial or an unknown key fail', () => {
    const ring = parsePrinterKeys(`k1:${k()}`)
    const a = encryptAccessCode(ring, '12345678', 'S1')
    const b = encryptAccessCode(ring, '12345678', 'S1')
    assert.notDeepEqual(a.nonce, b.nonce)
    assert.notDeepEqual(a.ciphertext, b.ciphertext)
    const flipped = Buffer.from(a.ciphertext)
    flipped[0]! ^= 1
    assert.throws(() => decryptAccessCode(ring, { ...a, ciphertext: flipped }, 'S1'))
    assert.throws(() => decryptAccessCode(ring, a, 'S2'), 'bound to its serial')
    assert.throws(() => decryptAccessCode(parsePrinterKeys(`k9:${k()}`), a, 'S1'), /no longer lists/)
  })

  test('malformed keyrings are refused', () => {
    assert.throws(() => parsePrinterKeys(''), /no key/)
    assert.throws(() => parsePrinterKeys(`k1:${randomBytes(16).toString('base64')}`), /32 bytes/)
    assert.throws(() => parsePrinterKeys(`bad id:${k()}`), /id:base64key/)
    const key = k()
    assert.throws(() => parsePrinterKeys(`k1:${key},k1:${key}`), /twice/)
  })
})
