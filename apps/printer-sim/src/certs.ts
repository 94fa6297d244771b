// Test PKI for virtual printers: a CA and per-printer leaf certificates with CN = serial, the
// shape real Bambu printers present (docs/bambu-protocol.md §1.2). ECDSA P-256 keeps 500-printer farms
// quick to start; the client does not care about the key type, only the chain and the CN.
import { webcrypto } from 'node:crypto'
type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
// @peculiar/x509's DI container (tsyringe) needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const
const DAY_MS = 86_400_000

/** A certificate authority that can sign printer certificates. */
export interface TestCa {
  certPem: string
  keyPem: string
  /** Signing key, kept as a CryptoKey so issuing needs no re-import. */
  key: CryptoKey
  subject: string
}

/** A PEM certificate and its private key, ready for `tls.createServer`. */
export interface KeyPairPem {
  certPem: string
  keyPem: string
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trim()
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair
}

async function exportKey(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')
}

/** Creates a fresh self-signed CA (valid ten years). `name` ends up in its CN. */
export async function createTestCa(name = 'PrintForge Virtual Printer CA'): Promise<TestCa> {
  const keys = await generateKeys()
  const subject = `CN=${name}, O=PrintForge Test`
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey), key: keys.privateKey, subject }
}

/**
 * Issues a server certificate with subject CN = `commonName` (a printer serial), signed by `ca`.
 * Real printer certificates carry no SAN; `dnsNames` exists to build look-alikes for tests.
 */
export async function issuePrinterCert(ca: TestCa, commonName: string, dnsNames: string[] = []): Promise<KeyPairPem> {
  const keys = await generateKeys()
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${commonName}`,
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(dnsNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(dnsNames.map((value) => ({ type: 'dns' as const, value })))] : []),
    ],
  })
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey) }
}

async function importCa(certPem: string, keyPem: string): Promise<TestCa> {
  const key = await webcrypto.subtle.importKey('pkcs8', fromPem(keyPem), ALG, true, ['sign'])
  const subject = new x509.X509Certificate(certPem).subject
  return { certPem, keyPem, key, subject }
}

/**
 * Loads the CA from `dir/ca.pem` + `dir/ca.key.pem`, or creates and stores one. Development reuses
 * one CA across runs so the worker's PRINTER_EXTRA_CA stays valid when the simulator restarts.
 */
export async function loadOrCreateTestCa(dir: string): Promise<TestCa> {
  const certFile = path.join(dir, 'ca.pem')
  const keyFile = path.join(dir, 'ca.key.pem')
  if (existsSync(certFile) && existsSync(keyFile)) {
    return importCa(await readFile(certFile, 'utf8'), await readFile(keyFile, 'utf8'))
  }
  const ca = await createTestCa()
  await mkdir(dir, { recursive: true, mode: 0o700 })
  // The key signs certificates the dev worker trusts: keep it private to this user.
  await writeFile(keyFile, ca.keyPem, { mode: 0o600 })
  await writeFile(certFile, ca.certPem)
  return ca
}
