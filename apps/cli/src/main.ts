#!/usr/bin/env node
// Ops command line (docs/product.md §11): `npm run cli -- <command>`. Reads its settings from the
// environment only; validates them once before doing anything (except setup commands, which
// need none).
import { CliEnvSchema, loadConfigOrExit } from '@printforge/config'
import { apiKeysCommand } from './commands/api-keys.js'
import { auditCommand } from './commands/audit.js'
import { backupCommand } from './commands/backup.js'
import { keysCommand } from './commands/keys.js'
import { migrateCommand } from './commands/migrate.js'
import { printersCommand } from './commands/printers.js'
import { secretsCommand } from './commands/secrets.js'
import { staffCommand } from './commands/staff.js'
import { tokenCommand } from './commands/token.js'
import { tokensCommand } from './commands/tokens.js'
import { UsageError, type Command, type SetupCommand } from './command.js'

const commands: Record<string, Command> = {
  migrate: migrateCommand,
  staff: staffCommand,
  audit: auditCommand,
  token: tokenCommand,
  tokens: tokensCommand,
  'api-keys': apiKeysCommand,
  printers: printersCommand,
  keys: keysCommand,
  backup: backupCommand,
}

/** `secrets init` makes the secrets the settings are made of: it cannot require them. */
const setupCommands: Record<string, SetupCommand> = {
  secrets: secretsCommand,
}

const USAGE = `usage: npm run cli -- <command>

  migrate                      apply pending migrations (owner role, DATABASE_ADMIN_URL; works offline)
  migrate diff                 exit 2 and print the SQL when schema.prisma and the migrations differ
  staff grant <userId> <role>  give a Medusa admin user a role: operator | admin
  staff revoke <userId>        remove a user's role and revoke every token they hold
  audit verify                 recompute the audit hash chain; exit 1 naming the first broken row
  backup create --out <dir> [--allow-broken]
                               verify the audit chain, then pg_dump -Fc (owner role) to <dir> with a manifest
  backup restore <file.dump> [--manifest <file.json>]
                               restore into the configured, empty database and check it against the manifest
  printers add --name N --model M --serial S --host IP --access-code C [--mqtt-port P] [--ftps-port P]
                               register a printer, or update the one with that serial
  printers list                the fleet and its live status
  keys rotate                  re-encrypt every printer access code under the first PRINTER_KEYS key
  token mint --customer <id> | --user <id> [--ttl <seconds>]
                               sign a local Medusa-shaped token with JWT_SECRET (refused in production)
  tokens revoke --customer <id> | --user <id>
                               refuse every token of that actor issued up to now (audited)
  api-keys create --name N --scope S [--scope S…] [--expires ISO] [--allow CIDR…]
                               create an API key for a machine client; prints the key once
  api-keys list                every API key (never the key itself) and its state
  api-keys revoke <id>         revoke an API key (running APIs refuse it within ROLE_CACHE_TTL_MS)
  secrets init <dir>           generate every secret of a compose deployment into <dir>, one new
                               0600 file each; never overwrites (needs no settings)
`

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  const setup = name ? setupCommands[name] : undefined
  const command = name ? commands[name] : undefined
  if (!setup && !command) {
    process.stderr.write(USAGE)
    return name && name !== '--help' && name !== 'help' ? 2 : 0
  }
  const print = (line: string) => process.stdout.write(`${line}\n`)
  const config = command ? loadConfigOrExit(CliEnvSchema, process.env, 'printforge-cli') : undefined
  try {
    if (command && config) return await command(args, config, print)
    return await (setup as SetupCommand)(args, print)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}`)
      return 2
    }
    process.stderr.write(`printforge-cli: ${(err as Error).message}\n`)
    return 1
  }
}

process.exitCode = await main(process.argv.slice(2))
