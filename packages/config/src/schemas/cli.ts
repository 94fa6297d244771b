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
  /** `printers add` seals access codes with it; `keys rotate` re-encrypts under its first key. */
  PRINTER_KEYS: Type.Optional(Secret('key-list')),
  /**
   * `backup create`/`restore`: the folder holding pg_dump and pg_restore (e.g.
   * /usr/lib/postgresql/15/bin). Unset: found on PATH. Their major version must be at least the server's.
   */
  PG_BIN_DIR: Type.Optional(Type.String({ minLength: 1 })),
})

export type CliConfig = Static<typeof CliEnvSchema>
