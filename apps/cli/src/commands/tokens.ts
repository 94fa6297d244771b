import { parseArgs } from 'node:util'
import { revokeTokens, withTx } from '@printforge/db'
import { UsageError, type Command } from '../command.js'
import { withAppDatabase } from '../database.js'
import { opsActor, opsContext } from '../ops-context.js'

/** What a Medusa token's actor_id can be (the API refuses every other). */
const ACTOR_ID = /^[A-Za-z0-9_-]{1,128}$/
const USAGE = 'tokens: expected revoke --customer <id> | --user <id>'

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: { customer: { type: 'string' }, user: { type: 'string' } }, strict: true }).values
  } catch (err) {
    throw new UsageError(`tokens revoke: ${(err as Error).message}`)
  }
}

/**
 * `tokens revoke`: every token of one actor issued up to now is refused by the API (docs/product.md §2),
 * within its role cache TTL. For a logout everywhere, a password reset or a deleted account:
 * Medusa itself cannot revoke the JWTs it issued. Audited as `tokens.revoked`.
 */
export const tokensCommand: Command = async (args, config, print) => {
  const [sub, ...rest] = args
  if (sub !== 'revoke') throw new UsageError(USAGE)
  const values = parse(rest)
  const actorId = values.customer ?? values.user
  if (!actorId || (values.customer !== undefined && values.user !== undefined)) throw new UsageError(USAGE)
  if (!ACTOR_ID.test(actorId)) throw new UsageError(`tokens revoke: not a Medusa id: ${JSON.stringify(actorId)}`)
  const actorType = values.customer !== undefined ? 'customer' : 'user'

  return withAppDatabase(config, async (db) => {
    const cutOff = await withTx(db, opsContext(), (tx) =>
      revokeTokens(tx, { target: { actorType, actorId }, by: { actorType: 'system', actorId: opsActor() }, reason: 'cli' }),
    )
    print(`Revoked every token of ${actorType} ${actorId} issued up to ${cutOff.toISOString()}.`)
    return 0
  })
}
