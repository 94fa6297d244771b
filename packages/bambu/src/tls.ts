// TLS settings shared by MQTT and FTPS: verified chain, SNI = serial, CN = serial. Printers present
// certificates issued by Bambu's private PKI with CN = serial (docs/bambu-protocol.md §1.2), so hostname
// checks against an IP would fail; the serial is the identity we verify instead.
import { type PeerCertificate } from 'node:tls'
import { loadBambuCaBundle, loadBambuDeviceCas } from './ca-bundle.js'

/** Error code of our own CN check, so callers can tell it from OpenSSL's codes. */
export const CN_MISMATCH = 'ERR_BAMBU_CN_MISMATCH'

/** The TLS options both transports use; a plain subset of `tls.ConnectionOptions`. */
export interface PrinterTlsOptions {
  ca: string[]
  servername: string
  rejectUnauthorized: true
  minVersion: 'TLSv1.2'
  maxVersion: 'TLSv1.2' | 'TLSv1.3'
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined
}

/**
 * Trust for a printer: Bambu's roots and device CAs always, plus `extraCaPems` (e.g. the virtual
 * printers' test CA). There is deliberately no way to switch verification off. `maxVersion` is the
 * model's FTPS cap (MODEL_PROTOCOL, §4.3); MQTT keeps the default.
 */
export function printerTlsOptions(serial: string, extraCaPems: readonly string[] = [], maxVersion: PrinterTlsOptions['maxVersion'] = 'TLSv1.2'): PrinterTlsOptions {
  return {
    // The device CAs let a printer that sends only its leaf verify (§1.2).
    ca: [loadBambuCaBundle(), loadBambuDeviceCas(), ...extraCaPems],
    servername: serial,
    rejectUnauthorized: true,
    // Bambu's brokers speak TLS 1.2 only (bambuddy's measurement, §1.2).
    minVersion: 'TLSv1.2',
    maxVersion,
    checkServerIdentity: (_host: string, cert: PeerCertificate) => checkSerial(serial, cert),
  }
}

/** Explicit identity check: the leaf's subject CN must equal the serial, exactly. */
export function checkSerial(serial: string, cert: PeerCertificate): Error | undefined {
  const cn = cert.subject?.CN
  if (cn === serial) return undefined
  return Object.assign(new Error(`printer certificate CN ${JSON.stringify(cn)} does not match serial ${serial}`), {
    code: CN_MISMATCH,
  })
}

// OpenSSL verification failures as Node reports them (err.code). Anything here means "we do not
// trust who answered", which is not fixed by retrying quickly.
const TRUST_CODES = new Set([
  CN_MISMATCH,
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
])

/** True when `err` is a certificate verification failure (chain, validity or identity). */
export function isTrustError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && TRUST_CODES.has(code)
}
