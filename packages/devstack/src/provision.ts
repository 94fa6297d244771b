import pg from 'pg'

export interface DatabaseRoles {
  ownerPassword: string
  appPassword: string
  readonlyPassword: string
}

/**
 * What compose's init script does on a real server (docs/product.md §5.1), as the cluster superuser:
 * the owner role (runs migrations; CREATEDB for the drift check's shadow database), the app and
 * read-only roles with generated passwords, and the database owned by the owner. Idempotent:
 * re-running rotates nothing but the passwords it is given.
 */
export async function provisionDatabase(superuserUrl: string, database: string, roles: DatabaseRoles): Promise<void> {
  const client = new pg.Client({ connectionString: superuserUrl })
  await client.connect()
  try {
    const role = async (name: string, password: string, attributes: string) => {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])
      const verb = exists.rowCount ? 'ALTER' : 'CREATE'
      await client.query(`${verb} ROLE ${name} ${attributes} PASSWORD ${client.escapeLiteral(password)}`)
    }
    await role('printforge_owner', roles.ownerPassword, 'LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS')
    await role('printforge_app', roles.appPassword, 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS')
    await role('printforge_readonly', roles.readonlyPassword, 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS')
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (!db.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)} OWNER printforge_owner`)
  } finally {
    await client.end()
  }
}

/** A role's connection URL on this cluster. */
export function roleUrl(role: string, password: string, port: number, database: string): string {
  return `postgresql://${role}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
}
