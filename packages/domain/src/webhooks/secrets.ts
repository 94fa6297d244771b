// The only module that reads or writes a webhook signing secret. A secret is sealed like a
// printer's access code (AES-256-GCM under PRINTER_KEYS), bound to its endpoint and its own id as
// associated data, so a ciphertext copied to another endpoint or row does not open.
import { randomBytes } from 'node:crypto'
import type { Tx } from '@printforge/db'
import { decryptAccessCode, encryptAccessCode, type PrinterKeyring } from '@printforge/printer-keys'

/** Standard Webhooks secrets: `whsec_` + base64 of random bytes (the library strips the prefix). */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

const aadOf = (endpointId: string, secretId: string) => `webhook-secret:${endpointId}:${secretId}`

/** The columns of a newly sealed secret (Prisma's Bytes columns take a Uint8Array). */
export function sealWebhookSecret(keyring: PrinterKeyring, secret: string, endpointId: string, secretId: string) {
  const sealed = encryptAccessCode(keyring, secret, aadOf(endpointId, secretId))
  return { id: secretId, endpointId, ciphertext: new Uint8Array(sealed.ciphertext), nonce: new Uint8Array(sealed.nonce), keyId: sealed.keyId }
}

/**
 * The worker alone: the secrets that sign now — the current one and any rotated-out one whose
 * overlap has not ended — newest first. A secret that cannot be opened (its key was removed from
 * PRINTER_KEYS, or the row was tampered with) is skipped; none at all throws.
 */
export async function signingSecretsOf(tx: Tx, keyring: PrinterKeyring, endpointId: string, now = new Date()): Promise<string[]> {
  const rows = await tx.webhookSecret.findMany({
    where: { endpointId, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
    orderBy: { createdAt: 'desc' },
  })
  const secrets: string[] = []
  for (const row of rows) {
    try {
      secrets.push(decryptAccessCode(keyring, { ciphertext: Buffer.from(row.ciphertext), nonce: Buffer.from(row.nonce), keyId: row.keyId }, aadOf(endpointId, row.id)))
    } catch {
      // Reported by the caller as "no usable secret" when none opens; never the reason's bytes.
    }
  }
  if (secrets.length === 0) throw new Error(`webhook endpoint ${endpointId} has no usable signing secret`)
  return secrets
}
