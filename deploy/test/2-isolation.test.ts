import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { compose, containers, docker, project, secret } from './stack.ts'

describe('what the stack exposes, and to whom (docs/product.md §5.1, §9)', () => {
  test('only nginx publishes ports, and every container runs hardened: non-root, read-only, no capabilities', () => {
    const ids = compose(['ps', '-q']).stdout.split('\n').filter(Boolean)
    assert.ok(ids.length >= 7, `${ids.length} containers`)
    for (const id of ids) {
      const [info] = JSON.parse(docker(['inspect', id]).stdout) as [{
        Name: string
        Config: { User: string; Labels: Record<string, string> }
        HostConfig: { PortBindings: Record<string, unknown> | null; ReadonlyRootfs: boolean; CapDrop: string[] | null; SecurityOpt: string[] | null; Memory: number; RestartPolicy: { Name: string } }
        NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> }
      }]
      const service = info.Config.Labels['com.docker.compose.service']
      const published = Object.entries(info.NetworkSettings.Ports ?? {}).filter(([, bindings]) => bindings && bindings.length > 0).map(([p]) => p)
      if (service === 'nginx') assert.deepEqual(published.sort(), ['8080/tcp', '8443/tcp'])
      else assert.deepEqual(published, [], `${service} publishes ${published.join(', ')}`)
      assert.ok(info.Config.User && !/^(root|0)(:|$)/.test(info.Config.User), `${service} runs as ${info.Config.User || 'root'}`)
      assert.equal(info.HostConfig.ReadonlyRootfs, true, `${service}: read-only root`)
      assert.deepEqual(info.HostConfig.CapDrop, ['ALL'], `${service}: cap_drop ALL`)
      assert.ok(info.HostConfig.SecurityOpt?.some((o) => /no-new-privileges/.test(o)), `${service}: no-new-privileges`)
      assert.ok(info.HostConfig.Memory > 0, `${service}: memory limit`)
      if (service !== 'migrate') assert.equal(info.HostConfig.RestartPolicy.Name, 'unless-stopped', `${service}: restart policy`)
    }
  })

  test('PostgreSQL and Redis sit on an internal network: no route out', () => {
    const [net] = JSON.parse(docker(['network', 'inspect', `${project}_backend`]).stdout) as [{ Internal: boolean }]
    assert.equal(net.Internal, true)
  })

  test('Redis refuses commands without the password', () => {
    const [redis] = containers('redis')
    const anonymous = docker(['exec', redis!, 'redis-cli', '-h', '127.0.0.1', 'SET', 'x', '1'], { allowFail: true })
    assert.match(anonymous.stdout + anonymous.stderr, /NOAUTH/)
    const wrong = docker(['exec', '-e', 'REDISCLI_AUTH=wrong-password', redis!, 'redis-cli', '-h', '127.0.0.1', 'PING'], { allowFail: true })
    assert.match(wrong.stdout + wrong.stderr, /WRONGPASS|invalid/i)
    // The password reaches redis-server through a config file on the tmpfs, never its arguments.
    const argv = docker(['exec', redis!, 'cat', '/proc/1/cmdline']).stdout
    assert.ok(!argv.includes(secret('redis_password')), 'the password is not in the process arguments')
    const policy = docker(['exec', '-e', `REDISCLI_AUTH=${secret('redis_password')}`, redis!, 'redis-cli', '-h', '127.0.0.1', 'CONFIG', 'GET', 'maxmemory-policy']).stdout
    assert.match(policy, /noeviction/)
    const aof = docker(['exec', '-e', `REDISCLI_AUTH=${secret('redis_password')}`, redis!, 'redis-cli', '-h', '127.0.0.1', 'CONFIG', 'GET', 'appendonly']).stdout
    assert.match(aof, /yes/)
  })

  test('PostgreSQL: the three roles of §5.1 and the superuser, no other login; no known password works', () => {
    const [pg] = containers('postgres')
    const psql = (sql: string) => docker(['exec', pg!, 'psql', '-U', 'postgres', '-d', 'printforge', '-At', '-c', sql]).stdout.trim()
    assert.equal(psql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolcanlogin"), 'postgres,printforge_app,printforge_owner,printforge_readonly')
    assert.equal(psql("SELECT string_agg(rolname || ':' || rolsuper || rolbypassrls, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'printforge_%'"), 'printforge_app:falsefalse,printforge_owner:falsefalse,printforge_readonly:falsefalse')
    // Over TCP (scram), the way every other container connects: guessable passwords fail.
    for (const role of ['postgres', 'printforge_owner', 'printforge_app', 'printforge_readonly']) {
      for (const guess of ['postgres', 'password', role, 'changeme', '']) {
        const attempt = docker(['exec', '-e', `PGPASSWORD=${guess}`, pg!, 'psql', '-h', '127.0.0.1', '-U', role, '-d', 'printforge', '-w', '-c', 'SELECT 1'], { allowFail: true })
        assert.notEqual(attempt.code, 0, `${role} accepted the password ${JSON.stringify(guess)}`)
      }
    }
  })
})
