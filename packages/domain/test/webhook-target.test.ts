// The SSRF defences of docs/integrations.md "Webhooks" (docs/security.md): every refused form at
// save time (URL form, then every resolved address) and at connect time (the socket's lookup).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkingLookup, literalTargetRefusal, parseWebhookUrl, refusedAddressReason, resolveWebhookTarget, WebhookTargetError } from '../src/index.ts'

const policy = { devTargets: ['127.0.0.1:4010', 'medusa.local:9000'] }

const REFUSED_ADDRESSES: [string, RegExp][] = [
  ['127.0.0.1', /loopback/], ['10.1.2.3', /private/], ['172.16.0.1', /private/], ['192.168.1.1', /private/],
  ['169.254.169.254', /metadata/], ['169.254.1.1', /linkLocal/], ['100.64.0.1', /carrierGradeNat/],
  ['224.0.0.1', /multicast/], ['255.255.255.255', /broadcast/], ['0.0.0.0', /unspecified/], ['240.0.0.1', /reserved/],
  ['198.51.100.7', /reserved/],
  ['::1', /loopback/], ['::', /unspecified/], ['fe80::1', /linkLocal/], ['fc00::1', /uniqueLocal/], ['fd12:3456::1', /uniqueLocal/],
  ['fd00:ec2::254', /metadata/], ['ff02::1', /multicast/],
  ['::ffff:127.0.0.1', /ipv4Mapped/], ['::ffff:8.8.8.8', /ipv4Mapped/], ['::ffff:7f00:1', /ipv4Mapped/],
  ['64:ff9b::7f00:1', /rfc6052/], ['64:ff9b::a00:1', /rfc6052/],
  ['2002:7f00:1::1', /6to4 .*loopback/], ['2002:c0a8:101::1', /6to4 .*private/],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', /Teredo .*private/], // client 10.0.0.1 (inverted)
  ['2001:db8::1', /reserved/],
]

test('every non-public address form is refused; public ones pass', () => {
  for (const [address, reason] of REFUSED_ADDRESSES) assert.match(refusedAddressReason(address) ?? 'allowed', reason, address)
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '2002:5db8:d822::1']) assert.equal(refusedAddressReason(address), null, address)
})

const REFUSED_URLS = [
  'http://hooks.example.com/x', // not https
  'ftp://hooks.example.com/x',
  'https://user:pw@hooks.example.com/x', // credentials
  'https://user@hooks.example.com/x',
  'https://127.0.0.1/x',
  'https://2130706433/x', // decimal 127.0.0.1
  'https://0177.0.0.1/x', // octal
  'https://0x7f000001/x', // hex
  'https://0x7f.1/x',
  'https://[::1]/x',
  'https://[::ffff:127.0.0.1]/x',
  'https://[::ffff:a9fe:a9fe]/x', // mapped metadata
  'https://169.254.169.254/latest/meta-data',
  'https://[fd00:ec2::254]/x',
  'https://100.100.100.100/x',
  'https://localhost/x',
  'https://intranet/x', // single label: resolved through search domains
  'https://printer.localhost/x',
  'http://127.0.0.1:4011/x', // a dev target is host AND port
  'not a url',
]

test('URLs of refused forms are refused at save time, before any DNS', () => {
  for (const url of REFUSED_URLS) assert.throws(() => parseWebhookUrl(url, policy), WebhookTargetError, url)
  assert.equal(parseWebhookUrl('https://hooks.example.com/x', policy).dev, false)
  const dev = parseWebhookUrl('http://127.0.0.1:4010/hooks', policy)
  assert.equal(dev.dev, true, 'a listed dev target may be private and plain http')
  assert.equal(literalTargetRefusal(dev), null)
  assert.equal(parseWebhookUrl('http://MEDUSA.local:9000/hooks/printforge', policy).dev, true)
})

test('at save time every resolved address must be public', async () => {
  const target = parseWebhookUrl('https://hooks.example.com/x', policy)
  await resolveWebhookTarget(target, async () => [{ address: '93.184.216.34', family: 4 }])
  await assert.rejects(resolveWebhookTarget(target, async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.5', family: 4 }]), /not public \(private\)/)
  await assert.rejects(resolveWebhookTarget(target, async () => [{ address: '::ffff:10.0.0.5', family: 6 }]), /ipv4Mapped/)
  await assert.rejects(resolveWebhookTarget(target, async () => []), /does not resolve/)
  await assert.rejects(resolveWebhookTarget(target, async () => { throw new Error('ENOTFOUND') }), /does not resolve/)
})

test('at connect time the socket lookup refuses a private answer (public at save, private at connect)', async () => {
  const answers = [[{ address: '93.184.216.34', family: 4 }], [{ address: '127.0.0.1', family: 4 }]]
  let call = 0
  const resolver = (_h: string, _o: object, cb: (e: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) => cb(null, answers[Math.min(call++, 1)]!)
  const target = parseWebhookUrl('https://rebind.example.com/x', policy)
  await resolveWebhookTarget(target, async () => answers[call++]!) // save: public
  const lookup = checkingLookup(resolver)
  const result = await new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) => lookup('rebind.example.com', { all: true }, (err, address) => resolve({ err, address })))
  assert.equal(result.err?.code, 'EWEBHOOKTARGET')
  assert.match(result.err!.message, /loopback/)
  // A public answer passes through in both callback shapes node:net uses.
  const ok = checkingLookup((_h, _o, cb) => cb(null, [{ address: '93.184.216.34', family: 4 }]))
  const single = await new Promise<unknown[]>((resolve) => ok('x.example.com', {}, (...args) => resolve(args)))
  assert.deepEqual(single, [null, '93.184.216.34', 4])
})
