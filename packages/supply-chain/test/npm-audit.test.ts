// CI's npm audit step: an audit endpoint that does not answer passes with one line; advisories
// from an endpoint that answered, or a broken run, fail.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { auditVerdict, classifyAudit } from '../src/index.ts'

// npm 11.19's output when the registry refuses the bulk advisory POST (seen on this network).
const refused = JSON.stringify({
  message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
  method: 'POST',
  uri: 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
  headers: { allow: ['GET,HEAD'] },
  statusCode: 405,
  body: '',
})
const refusedStderr = 'npm warn audit 405 Method Not Allowed - POST …\nnpm error audit endpoint returned an error\n'
const report = (high: number, vulnerabilities: object = {}) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high, critical: 0, total: high }, dependencies: { prod: 340, dev: 0, total: 340 } },
  })

describe('npm audit in CI', () => {
  test('an endpoint that refuses or cannot be reached is skipped with one line, exit 0', () => {
    const refusedOutcome = classifyAudit(refused, refusedStderr, 1)
    assert.deepEqual(refusedOutcome, { kind: 'unreachable', reason: 'HTTP 405' })
    const dns = classifyAudit(JSON.stringify({ message: 'request to https://registry.npmjs.org/-/npm/v1/security/advisories/bulk failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org', uri: 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk' }), 'npm error audit endpoint returned an error', 1)
    assert.equal(dns.kind, 'unreachable')
    const verdict = auditVerdict(refusedOutcome)
    assert.equal(verdict.exitCode, 0)
    assert.equal(verdict.lines.length, 1)
    assert.match(verdict.lines[0]!, /skipped.*did not answer \(HTTP 405\)/)
  })

  test('advisories reported by an endpoint that answered fail, naming package and advisory', () => {
    const outcome = classifyAudit(
      report(1, {
        '@fastify/busboy': {
          name: '@fastify/busboy', severity: 'high', range: '<3.2.6',
          via: [{ title: 'uncaught error on truncated body', url: 'https://github.com/advisories/GHSA-wh8h-qr34-3rj3' }],
        },
      }),
      '',
      1,
    )
    const verdict = auditVerdict(outcome)
    assert.equal(verdict.exitCode, 1)
    assert.match(verdict.lines.join('\n'), /@fastify\/busboy \(high\) <3\.2\.6: https:\/\/github\.com\/advisories\/GHSA-wh8h-qr34-3rj3/)
  })

  test('a clean report passes; a run that is neither a report nor an endpoint error fails', () => {
    assert.deepEqual(auditVerdict(classifyAudit(report(0), '', 0)), { exitCode: 0, lines: ['npm audit: no known advisories in 340 production dependencies'] })
    assert.equal(auditVerdict(classifyAudit('', 'npm error code ENOLOCK\nnpm error audit This command requires an existing lockfile.', 1)).exitCode, 1)
    assert.equal(auditVerdict(classifyAudit('not json', '', 1)).exitCode, 1)
  })
})
