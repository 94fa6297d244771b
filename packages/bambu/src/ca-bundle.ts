import { readFileSync } from 'node:fs'

const cache = new Map<string, string>()

// Read from the package's own files, never from the environment; both `src` and `dist` sit next to `data`.
function readData(name: string): string {
  let pem = cache.get(name)
  if (pem === undefined) {
    pem = readFileSync(new URL(`../data/${name}`, import.meta.url), 'utf8')
    cache.set(name, pem)
  }
  return pem
}

/** Bambu Lab's root CAs and their cross-certificates (data/bambu-ca-bundle.pem; source in data/README.md). */
export function loadBambuCaBundle(): string {
  return readData('bambu-ca-bundle.pem')
}

/**
 * Bambu's per-model device CAs (data/bambu-device-cas.pem: `BBL Device CA N7-V2` P2S, `O1C2-V2` H2C,
 * `N6-V2` X2D), intermediates issued by `BBL CA2 RSA`. Some printers present only their leaf, so
 * OpenSSL must find the intermediate in the verification store to reach the root
 * (docs/bambu-protocol.md §1.2). They are not trust anchors: a chain through one still has to end at
 * a root of the bundle (Node does not allow partial chains unless asked to).
 */
export function loadBambuDeviceCas(): string {
  return readData('bambu-device-cas.pem')
}
