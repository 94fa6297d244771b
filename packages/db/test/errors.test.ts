import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { isDatabaseUnavailable, toAppError } from '../src/index.ts'

// How a driver error reaches us from Prisma's pg adapter (a raw query whose connection the server
// ended): PrismaClientKnownRequestError P2010 with the SQLSTATE in meta.driverAdapterError.cause.
const prismaRawFailure = (code: string, message: string) =>
  Object.assign(new Error(`\nInvalid \`prisma.$executeRaw()\` invocation:\n\n\nRaw query failed. Code: \`${code}\`. Message: \`${message}\``), {
    code: 'P2010',
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: code, originalMessage: message, kind: 'postgres', code, severity: 'FATAL', message } } },
  })

describe('database errors that mean "unavailable" (503, never 500)', () => {
  const cases: [string, string][] = [
    ['57P01', 'terminating connection due to administrator command'],
    // A backend crashed: the server ends every other session and recovers (the fault drill's
    // "postgres crashed" phase).
    ['57P02', 'terminating connection because of crash of another server process'],
    ['57P03', 'the database system is in recovery mode'],
    ['53300', 'sorry, too many clients already'],
  ]
  for (const [code, message] of cases) {
    test(`${code} (${message}), from Prisma or from pg`, () => {
      assert.ok(isDatabaseUnavailable(prismaRawFailure(code, message)))
      assert.equal(toAppError(prismaRawFailure(code, message))?.code, 'UNAVAILABLE')
      assert.ok(isDatabaseUnavailable(Object.assign(new Error(message), { code })))
    })
  }

  test('a bug is not "unavailable"', () => {
    assert.equal(isDatabaseUnavailable(prismaRawFailure('42P01', 'relation "nope" does not exist')), false)
    assert.equal(toAppError(prismaRawFailure('42P01', 'relation "nope" does not exist')), undefined)
  })
})
