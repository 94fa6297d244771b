import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'

/**
 * Printer LAN access codes at rest (docs/product.md §4.4): AES-256-GCM with a random 96-bit nonce, under
 * versioned keys. PRINTER_KEYS is `id:base64key,…`, newest first: new codes are encrypted with
 * the first key, any listed key decrypts, and `keys rotate` re-encrypts everything under the first.
 * node:crypto does this directly; no library adds anything but surface.
 */
export interface PrinterKeyring {
  /** The key new codes are encrypted with. */
  currentKeyId: string
  keys: ReadonlyMap<string, Buffer>
}

export interface EncryptedAccessCode {
  /** ciphertext followed by the 16-byte GCM tag */
  ciphertext: Buffer
  nonce: Buffer
  keyId: string
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/
const TAG_BYTES = 16

/** Parses PRINTER_KEYS (already checked for length by the config loader). */
export function parsePrinterKeys(value: string): PrinterKeyring {
  const keys = new Map<string, Buffer>()
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [id, b64] = entry.split(':', 2)
    if (!id || !b64 || !KEY_ID.test(id)) throw new Error('PRINTER_KEYS must be id:base64key[,id:base64key…]')
    const key = Buffer.from(b64, 'base64')
    if (key.length !== 32) throw new Error(`PRINTER_KEYS key ${id} must be exactly 32 bytes (AES-256)`)
    if (keys.has(id)) throw new Error(`PRINTER_KEYS lists key ${id} twice`)
    keys.set(id, key)
  }
  const [currentKeyId] = keys.keys()
  if (!currentKeyId) throw new Error('PRINTER_KEYS holds no key')
  return { currentKeyId, keys }
}

/** The printer's serial is bound as associated data: a ciphertext moved to another row fails. */
export function encryptAccessCode(keyring: PrinterKeyring, accessCode: string, serial: string): EncryptedAccessCode {
  const key = keyring.keys.get(keyring.currentKeyId) as Buffer
  const nonce = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.setAAD(Buffer.from(serial))
  const ciphertext = Buffer.concat([cipher.update(accessCode, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return { ciphertext, nonce, keyId: keyring.currentKeyId }
}

export function decryptAccessCode(keyring: PrinterKeyring, encrypted: EncryptedAccessCode, serial: string): string {
  const key = keyring.keys.get(encrypted.keyId)
  if (!key) throw new Error(`access code encrypted under key ${encrypted.keyId}, which PRINTER_KEYS no longer lists`)
  const body = encrypted.ciphertext.subarray(0, -TAG_BYTES)
  const tag = encrypted.ciphertext.subarray(-TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key, encrypted.nonce)
  decipher.setAAD(Buffer.from(serial))
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
}

/** Whether a stored code should be re-encrypted by `keys rotate`. */
export const needsRotation = (keyring: PrinterKeyring, encrypted: Pick<EncryptedAccessCode, 'keyId'>) =>
  encrypted.keyId !== keyring.currentKeyId

export { isPrivatePrinterHost } from './host-policy.js'
