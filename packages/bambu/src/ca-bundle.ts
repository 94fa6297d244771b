import { readFileSync } from 'node:fs'

let cached: string | null = null

/**
 * Bambu Lab's CA bundle (data/bambu-ca-bundle.pem, see data/README.md for its source). Read from the
 * package's own files, never from the environment; both `src` and `dist` sit next to `data`.
 */
export function loadBambuCaBundle(): string {
  cached ??= readFileSync(new URL('../data/bambu-ca-bundle.pem', import.meta.url), 'utf8')
  return cached
}
