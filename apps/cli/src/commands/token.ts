import { parseArgs } from 'node:util'
import { createSigner } from 'fast-jwt'
import { UsageError, type Command } from '../command.js'

const ACTOR_ID = /^[A-Za-z0-9_-]{1,128}$/

/**
 * `token mint`: a token shaped like Medusa's (actor_id, actor_type, auth_identity_id, metadata,
 * iat, exp) for local use. Refused when NODE_ENV=production: whoever can mint tokens with the
 * real secret can impersonate anyone.
 */
export const tokenCommand: Command = async (args, config, print) => {
  const [sub, ...rest] = args
  if (sub !== 'mint') throw new UsageError('token: expected mint --customer <id> | --user <id>')
  if (config.NODE_ENV === 'production') {
    throw new Error('token mint refuses to run with NODE_ENV=production (set NODE_ENV=development for local tokens)')
  }
  if (!config.JWT_SECRET) throw new Error('JWT_SECRET is required to mint a token')
  const { values } = parseArgs({
    args: rest,
    options: { customer: { type: 'string' }, user: { type: 'string' }, ttl: { type: 'string', default: '86400' } },
    strict: true,
  })
  const actorId = values.customer ?? values.user
  if (!actorId || (values.customer && values.user)) throw new UsageError('token mint: give exactly one of --customer <id> or --user <id>')
  if (!ACTOR_ID.test(actorId)) throw new UsageError(`token mint: not a Medusa id: ${JSON.stringify(actorId)}`)
  const ttlSeconds = Number(values.ttl)
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 7 * 86_400) throw new UsageError('token mint: --ttl must be 60–604800 seconds')
  const sign = createSigner({ key: config.JWT_SECRET, algorithm: 'HS256', expiresIn: ttlSeconds * 1000 })
  print(
    sign({
      actor_id: actorId,
      actor_type: values.customer ? 'customer' : 'user',
      auth_identity_id: `authid_local_${actorId}`,
      app_metadata: {},
      user_metadata: {},
    }),
  )
  return 0
}
