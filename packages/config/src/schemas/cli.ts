import { Type, type Static } from 'typebox'
import { commonEnv, databaseAdminEnv, databaseEnv } from './common.js'

/** `npm run cli`: migrations need DATABASE_ADMIN_URL; every other command runs as the app role. */
export const CliEnvSchema = Type.Object({
  ...commonEnv,
  ...databaseEnv,
  ...databaseAdminEnv,
})

export type CliConfig = Static<typeof CliEnvSchema>
