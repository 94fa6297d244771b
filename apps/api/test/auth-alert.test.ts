import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { describe, test } from 'node:test'
import { useApi } from './helper.ts'

const lines: Record<string, unknown>[] = []
const sink = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>)
    callback()
  },
})
const api = useApi({ LOG_LEVEL: 'info' }, { logStream: sink })

describe('failed-authentication alert (docs/product.md §2)', () => {
  test('more than 5 failures a minute from one IP raise one alert per window; logs never hold the token', async () => {
    const token = `${api.token().slice(0, -6)}AAAAAA`
    for (let i = 0; i < 12; i++) {
      await api.app.inject({ method: 'GET', url: `/me?access_token=${token}`, remoteAddress: '10.9.9.9', headers: { authorization: `Bearer ${token}` } })
    }
    await api.app.inject({ method: 'GET', url: '/me', remoteAddress: '10.9.9.8', headers: { authorization: 'Bearer x' } })
    const alerts = lines.filter((l) => l['alert'] === 'auth_failures')
    assert.equal(alerts.length, 1)
    assert.equal(alerts[0]?.['ip'], '10.9.9.9')
    assert.equal(alerts[0]?.['level'], 40)
    assert.doesNotMatch(JSON.stringify(lines), new RegExp(token.slice(0, 30).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
  })
})
