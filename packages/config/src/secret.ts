import { Type, type TSchema, type TString } from 'typebox'

/** docs/product.md §8: a secret shorter than this many bytes stops the process at boot. */
export const MIN_SECRET_BYTES = 32

/**
 * How a variable carries a secret. `value`: the whole value is the secret. `url-password`: a
 * connection URL whose password is the secret (databases, Redis). `key-list`: `id:base64key,…`
 * where every key is a secret.
 */
export type SecretKind = 'value' | 'url-password' | 'key-list'

const SECRET_KEYWORD = 'x-secret'

/** A string variable that is a secret: no default, validated by {@link checkSecret} at boot. */
export function Secret(kind: SecretKind = 'value', options: { description?: string } = {}): TString {
  return Type.String({ ...options, [SECRET_KEYWORD]: kind })
}

export function secretKindOf(schema: TSchema): SecretKind | undefined {
  return (schema as Record<string, unknown>)[SECRET_KEYWORD] as SecretKind | undefined
}

/** The secret parts of a value, per its kind (a URL's password, each key of a key list). */
function secretParts(kind: SecretKind, value: string): Buffer[] | { error: string } {
  switch (kind) {
    case 'value':
      return [Buffer.from(value)]
    case 'url-password': {
      let url: URL
      try {
        url = new URL(value)
      } catch {
        return { error: 'is not a valid URL' }
      }
      if (!url.password) return { error: 'has no password (every service account needs one)' }
      return [Buffer.from(decodeURIComponent(url.password))]
    }
    case 'key-list': {
      const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean)
      if (entries.length === 0) return { error: 'holds no key' }
      const keys: Buffer[] = []
      for (const entry of entries) {
        const [id, key] = entry.split(':', 2)
        if (!id || !key) return { error: 'must be a comma-separated list of id:base64key' }
        keys.push(Buffer.from(key, 'base64'))
      }
      return keys
    }
  }
}

/**
 * Why a secret value is unacceptable, or undefined when it is fine. `examples` are the values
 * documented in `.env.example`: a copied placeholder is as good as no secret at all.
 */
export function checkSecret(kind: SecretKind, value: string, examples: readonly string[]): string | undefined {
  const parts = secretParts(kind, value)
  if (!Array.isArray(parts)) return parts.error
  const exampleParts = examples.flatMap((example) => {
    const p = secretParts(kind, example)
    return Array.isArray(p) ? p : []
  })
  for (const part of parts) {
    if (exampleParts.some((example) => example.equals(part)) || /change[-_]?me/i.test(part.toString('latin1'))) {
      return 'is the placeholder from .env.example; generate a real secret'
    }
    if (part.length < MIN_SECRET_BYTES) {
      return `is shorter than ${MIN_SECRET_BYTES} bytes`
    }
  }
  return undefined
}
