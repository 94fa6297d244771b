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
  /**
   * The farm's stand-in for Bambu's per-model device CAs (docs/bambu-protocol.md §1.2): an
   * intermediate issued by this CA that signs the newest models' certificates.
   */
  deviceCa?: TestCa
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

// pathLength: how many CA levels may follow (the root 1, for the device CA; the device CA 0).
const caExtensions = async (keys: CryptoKeyPair, pathLength: number) => [
  new x509.BasicConstraintsExtension(true, pathLength, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
]

/**
 * Creates a fresh self-signed CA (valid ten years) and, unless `deviceCa` is false, its device CA.
 * `name` ends up in the CN.
 */
export async function createTestCa(name = 'PrintForge Virtual Printer CA', options: { deviceCa?: boolean } = {}): Promise<TestCa> {
  const keys = await generateKeys()
  const subject = `CN=${name}, O=PrintForge Test`
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    extensions: await caExtensions(keys, 1),
  })
  const root: TestCa = { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey), key: keys.privateKey, subject }
  if (options.deviceCa !== false) root.deviceCa = await createDeviceCa(root, `${name} Device CA`)
  return root
}

/** An intermediate CA issued by `root`, the shape of Bambu's `BBL Device CA …` certificates. */
export async function createDeviceCa(root: TestCa, name: string): Promise<TestCa> {
  const keys = await generateKeys()
  const subject = `CN=${name}, O=PrintForge Test`
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: root.subject,
    publicKey: keys.publicKey,
    signingKey: root.key,
    signingAlgorithm: ALG,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    extensions: await caExtensions(keys, 0),
  })
  return { certPem: cert.toString('pem') + '\n', keyPem: await exportKey(keys.privateKey), key: keys.privateKey, subject }
}

/** What a client must trust for this farm: the root, plus the device CA some printers do not send. */
export function trustPem(ca: TestCa): string {
  return ca.certPem + (ca.deviceCa?.certPem ?? '')
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

/**
 * A printer's certificate as its model presents it (ModelTraits.chain): signed by the root, or by
 * the device CA, which the printer sends after its leaf or leaves out.
 */
export async function issueModelCert(ca: TestCa, serial: string, chain: 'root' | 'device-ca-sent' | 'device-ca-omitted'): Promise<KeyPairPem> {
  if (chain === 'root') return issuePrinterCert(ca, serial)
  if (!ca.deviceCa) throw new Error(`the farm CA has no device CA for a ${chain} printer`)
  const leaf = await issuePrinterCert(ca.deviceCa, serial)
  return chain === 'device-ca-sent' ? { ...leaf, certPem: leaf.certPem + ca.deviceCa.certPem } : leaf
}

const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? []

async function importCa(certPem: string, keyPem: string): Promise<TestCa> {
  const key = await webcrypto.subtle.importKey('pkcs8', fromPem(keyPem), ALG, true, ['sign'])
  const subject = new x509.X509Certificate(certPem).subject
  return { certPem, keyPem, key, subject }
}

/**
 * Loads the CA from `dir/ca.pem` + `dir/ca.key.pem` (and its device CA from `device-ca.key.pem`),
 * or creates and stores them. Development reuses one CA across runs so the worker's
 * PRINTER_EXTRA_CA (`ca.pem`: the root, then the device CA) stays valid when the simulator restarts.
 */
export async function loadOrCreateTestCa(dir: string): Promise<TestCa> {
  const certFile = path.join(dir, 'ca.pem')
  const keyFile = path.join(dir, 'ca.key.pem')
  const deviceKeyFile = path.join(dir, 'device-ca.key.pem')
  if (existsSync(certFile) && existsSync(keyFile) && existsSync(deviceKeyFile)) {
    const [rootPem, devicePem] = pemBlocks(await readFile(certFile, 'utf8'))
    if (rootPem && devicePem) {
      const ca = await importCa(rootPem, await readFile(keyFile, 'utf8'))
      ca.deviceCa = await importCa(devicePem, await readFile(deviceKeyFile, 'utf8'))
      return ca
    }
  }
  // First run, or a directory from before device CAs (its root may not sign CAs): start afresh.
  const ca = await createTestCa()
  await mkdir(dir, { recursive: true, mode: 0o700 })
  // The keys sign certificates the dev worker trusts: keep them private to this user.
  await writeFile(keyFile, ca.keyPem, { mode: 0o600 })
  await writeFile(deviceKeyFile, ca.deviceCa!.keyPem, { mode: 0o600 })
  await writeFile(certFile, trustPem(ca))
  return ca
}
