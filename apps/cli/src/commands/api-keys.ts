import { parseArgs } from 'node:util'
import { withTx } from '@printforge/db'
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRecord } from '@printforge/domain'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

const USAGE = 'api-keys: expected create --name N --scope S [--scope S…] [--expires ISO] [--allow CIDR…] | list | revoke <id>'
const KEY_ID = /^[a-z2-7]{12}$/

function parseCreate(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: { name: { type: 'string' }, scope: { type: 'string', multiple: true }, expires: { type: 'string' }, allow: { type: 'string', multiple: true } },
    }).values
  } catch (err) {
    throw new UsageError(`api-keys create: ${(err as Error).message}`)
  }
}

/** Bad input is a usage error (exit 2), whichever layer finds it: the domain checks meaning. */
const asUsage = (err: unknown) => {
  if ((err as { code?: string }).code === 'VALIDATION_FAILED') throw new UsageError(`api-keys create: ${(err as Error).message}`)
  throw err
}

const day = (d: Date | null) => d?.toISOString() ?? '-'
const line = (k: ApiKeyRecord) =>
  `${k.id}  ${k.name.padEnd(24)} ${k.scopes.join(',').padEnd(40)} expires ${day(k.expiresAt)}  ${k.revokedAt ? `revoked ${day(k.revokedAt)}` : 'active'}  last used ${day(k.lastUsedAt)}${k.allowedCidrs.length ? `  from ${k.allowedCidrs.join(',')}` : ''}`

/**
 * `api-keys create|list|revoke` (docs/integrations.md "API keys"): the same domain functions the
 * API's admin routes call, as the system under the operator's own name (audited
 * `api_key.created` / `api_key.revoked` with `via: cli`). The key is printed once, by create.
 */
export const apiKeysCommand: Command = async (args, config, print) => {
  const [sub, ...rest] = args
  const by = { actorType: 'system' as const, actorId: opsActor() }

  if (sub === 'create') {
    const values = parseCreate(rest)
    if (!values.name || !values.scope?.length) throw new UsageError('api-keys create: --name and at least one --scope are required')
    const expiresAt = values.expires === undefined ? null : new Date(values.expires)
    if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new UsageError(`api-keys create: --expires is not a date: ${JSON.stringify(values.expires)}`)
    const input = { name: values.name, scopes: values.scope, expiresAt, allowedCidrs: values.allow ?? [] }
    return withAppDatabase(config, async (db) => {
      const { apiKey, key } = await withTx(db, opsContext(), (tx) => createApiKey(tx, input, by, {}, 'cli')).catch(asUsage)
      print(`Created API key ${apiKey.id} (${apiKey.name}): ${apiKey.scopes.join(', ')}. Store it now; it is not shown again:`)
      print(key)
      return 0
    })
  }

  if (sub === 'list') {
    if (rest.length > 0) throw new UsageError(USAGE)
    return withAppDatabase(config, async (db) => {
      const keys = await withTx(db, opsContext(), (tx) => listApiKeys(tx))
      if (keys.length === 0) print('No API keys.')
      for (const k of keys) print(line(k))
      return 0
    })
  }

  if (sub === 'revoke') {
    const [id, ...extra] = rest
    if (!id || extra.length > 0) throw new UsageError(USAGE)
    if (!KEY_ID.test(id)) throw new UsageError(`api-keys revoke: not a key id: ${JSON.stringify(id.slice(0, 40))}`)
    return withAppDatabase(config, async (db) => {
      const { changed } = await withTx(db, opsContext(), (tx) => revokeApiKey(tx, id, by, {}, 'cli'))
      // Running API instances stop accepting it within ROLE_CACHE_TTL_MS.
      print(changed ? `Revoked API key ${id}.` : `API key ${id} was already revoked.`)
      return 0
    })
  }

  throw new UsageError(USAGE)
}
