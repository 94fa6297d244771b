import { Type, type Static } from 'typebox'
import { Secret } from '../secret.js'
import { commonEnv, databaseAdminEnv, databaseEnv } from './common.js'

/** `npm run cli`: migrations need DATABASE_ADMIN_URL; every other command runs as the app role. */
export const CliEnvSchema = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...databaseAdminEnv,
  /** Only `token mint` (development) uses it, to sign local Medusa-shaped tokens. */
  JWT_SECRET: Type.Optional(Secret()),
})

export type CliConfig = Static<typeof CliEnvSchema>
