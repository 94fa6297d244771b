// Property-based fuzzing of the multipart routes (POST /jobs/create, POST /manufacturing/create, POST /print-files):
// part counts around the parser limits, bodies cut inside a part, wrong, missing and huge
// boundaries, huge field and file names, duplicate fields, random bytes and real JPEG, PNG and
// ZIP heads. Same invariants as the HTTP fuzz suite (fuzz.world.ts `exercise`).
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import fc from 'fast-check'
import { caller, forgery, remoteAddress } from './fuzz.arbitraries.ts'
import { encodeMultipart, loadFiles, multipartBody, type Files, type Refs, type UploadRoute } from './fuzz.bodies.ts'
import { casesFor, fuzz, listRoutes, openProbe, report } from './fuzz.harness.ts'
import { actor, exercise, multipartRoutes, seedWorld, type World } from './fuzz.world.ts'
import { useApi } from './helper.ts'

// A small model limit keeps over-limit cases cheap (the images' 10 MiB limit is fixed in code).
const MAX_MODEL_BYTES = 64 * 1024
const api = useApi({ NODE_ENV: 'production', MAX_MODEL_BYTES })
const RUNS = { jobs: 110, manufacturing: 110, printFiles: 80 }

const caseArb = (route: UploadRoute) =>
  fc.record({
    // Mostly the role that may upload, so bodies reach the parser; everyone else now and then.
    who: fc.oneof({ weight: 5, arbitrary: fc.constant(route === 'jobs' ? ('customer' as const) : ('admin' as const)) }, { weight: 2, arbitrary: route === 'jobs' ? fc.constant('owner' as const) : fc.constant('operator' as const) }, { weight: 1, arbitrary: caller }),
    forgery,
    pick: fc.nat(),
    // A few fixed keys: an owner (a customer who comes back) replays, or conflicts with, an earlier upload.
    idempotencyKey: fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 2, arbitrary: fc.constantFrom('replay-1', 'replay-2') },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{8,16}$/) },
      { weight: 1, arbitrary: fc.constantFrom('', 'a b', 'k'.repeat(256)) },
    ),
    body: multipartBody(route),
    remote: remoteAddress,
  })
type Case = ReturnType<typeof caseArb> extends fc.Arbitrary<infer T> ? T : never

describe('multipart fuzz: POST /jobs/create, POST /manufacturing/create and POST /print-files', () => {
  let world: World
  let files: Files
  let refs: Refs
  const started = Date.now()
  before(async () => {
    world = await seedWorld(api, await openProbe(api))
    files = await loadFiles(MAX_MODEL_BYTES)
    refs = { printers: world.printers, scanJobs: world.owners.flatMap((o) => world.jobs.get(o) ?? []) }
  })
  after(async () => {
    report(`multipart fuzz in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    await world?.probe.close()
  })

  const run = (url: string, label: string) => async (c: Case) => {
    const who = actor(world, c.who, c.forgery, c.pick)
    const { payload, contentType } = encodeMultipart(refs, files, c.body)
    await exercise(world, {
      label,
      who: c.who,
      unauthenticated: c.who === 'anonymous',
      protectedRoute: true,
      request: {
        method: 'POST',
        url,
        payload,
        remoteAddress: c.remote,
        headers: {
          'content-type': contentType,
          ...(who.authorization !== undefined ? { authorization: who.authorization } : {}),
          ...(c.idempotencyKey !== undefined ? { 'idempotency-key': c.idempotencyKey } : {}),
        },
      },
    })
  }

  test('the routes that parse multipart bodies are exactly the ones fuzzed here', async () => {
    // A new multipart route fails this test until it gets a body model above.
    // A prefix's root route answers with and without the trailing slash: one handler, fuzzed once.
    assert.deepEqual([...(await multipartRoutes(world, listRoutes(api.app)))].sort(), ['POST /jobs/create', 'POST /manufacturing/create', 'POST /print-files', 'POST /print-files/'])
  })

  test('POST /jobs/create', () => fuzz('multipart POST /jobs/create', RUNS.jobs, caseArb('jobs'), run('/jobs/create', 'multipart POST /jobs/create')))
  test('POST /manufacturing/create', () =>
    fuzz('multipart POST /manufacturing/create', RUNS.manufacturing, caseArb('manufacturing'), run('/manufacturing/create', 'multipart POST /manufacturing/create')))

  test('POST /print-files', () =>
    fuzz('multipart POST /print-files', RUNS.printFiles, caseArb('print-files'), run('/print-files/', 'multipart POST /print-files')))

  test('every multipart route was fuzzed', () => {
    for (const label of ['multipart POST /jobs/create', 'multipart POST /manufacturing/create', 'multipart POST /print-files']) {
      assert.ok(casesFor(label) >= 20 || process.env['FUZZ_ROUTE'], `${label} got ${casesFor(label)} cases`)
    }
  })
})
