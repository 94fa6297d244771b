import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// An API key reads `pf_<id>_<secret>`: `id` is 12 base32 characters (60 random bits) — public, shown
// in lists and audit rows, and how a presented key finds its row — and `secret` is 32 random bytes
// in base64url (43 characters). Only the SHA-256 of the whole key is stored: with 256 random bits
// a fast digest is as strong as a password hash, and it keeps authentication cheap.
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const KEY_PATTERN = /^pf_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/

export interface ParsedApiKey {
  id: string
  /** hex SHA-256 of the whole key */
  hash: string
}

export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex')

/** A new key: shown to its creator once; only `id` and `hash` are kept. */
export function generateApiKey(): { key: string; id: string; hash: string } {
  const id = Array.from(randomBytes(12), (b) => ID_ALPHABET[b & 31]).join('')
  const key = `pf_${id}_${randomBytes(32).toString('base64url')}`
  return { key, id, hash: hashApiKey(key) }
}

/** Whether a bearer credential has an API key's shape (anything else is treated as a JWT). */
export const looksLikeApiKey = (credential: string) => credential.startsWith('pf_')

/** The id and digest of a presented key, or null when it is not a well-formed key. */
export function parseApiKey(credential: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(credential)
  return match ? { id: match[1] as string, hash: hashApiKey(credential) } : null
}

/** Constant-time comparison of two hex digests. */
export const sameKeyHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))
