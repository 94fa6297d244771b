// Catalog and row-count queries a backup runs as the owner role (DATABASE_ADMIN_URL), before
// pg_dump and after pg_restore. Forced RLS binds the owner too: reading rows needs the session
// flag that opens its backup_read policies (migration 20261201080000_backup_read).
import pg from 'pg'

export const BACKUP_FLAG = 'printforge.backup'
/** PGOPTIONS for pg_dump: the same flag for its session. */
export const BACKUP_PGOPTIONS = `-c ${BACKUP_FLAG}=on`

export async function withOwner<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  // No statement timeout: counting a large table may take a while; a dump takes longer still.
  const client = new pg.Client({ connectionString: url, application_name: 'printforge-backup' })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Tables the owner could not read whole in a dump: RLS forced and no backup_read policy for it. */
export async function tablesWithoutBackupPolicy(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ relname: string }>(`
    SELECT c.relname FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relrowsecurity AND c.relforcerowsecurity
       AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = 'backup_read' AND p.polcmd IN ('r', '*')
                        AND (SELECT oid FROM pg_roles WHERE rolname = current_user) = ANY (p.polroles))
     ORDER BY 1`)
  return rows.map((r) => r.relname)
}

/** Rows per table of the public schema, in the caller's transaction (its snapshot); flag on. */
export async function countRows(client: pg.Client): Promise<Record<string, number>> {
  const { rows: tables } = await client.query<{ relname: string }>(
    "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY 1",
  )
  const counts: Record<string, number> = {}
  for (const { relname } of tables) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.${client.escapeIdentifier(relname)}`)
    counts[relname] = Number(rows[0]?.n ?? 0)
  }
  return counts
}

export interface AuditHead {
  lastId: string
  lastHash: string
}

export async function readAuditHead(client: pg.Client): Promise<AuditHead> {
  const { rows } = await client.query<{ last_id: string; last_hash: string }>('SELECT last_id::text, last_hash FROM public.audit_chain WHERE id = 1')
  if (!rows[0]) throw new Error('audit_chain has no head row: is this a PrintForge database?')
  return { lastId: rows[0].last_id, lastHash: rows[0].last_hash }
}

const acl = (column: string) => `(SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(${column}) x)`

/**
 * What RLS and grants consist of, one sorted line per fact: each relation's owner, RLS flags and
 * ACL, column ACLs, policies, triggers (and whether enabled), functions' owner, SECURITY DEFINER
 * and ACL, the public schema's ACL. Recorded at dump time and compared after a restore.
 */
export async function securityFacts(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`
    SELECT line FROM (
      SELECT format('relation %s kind=%s owner=%s rls=%s force=%s acl=%s', c.relname, c.relkind, pg_get_userbyid(c.relowner),
                    c.relrowsecurity, c.relforcerowsecurity, ${acl('c.relacl')}) AS line
        FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
      UNION ALL
      SELECT format('column %s.%s acl=%s', c.relname, a.attname, ${acl('a.attacl')})
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relnamespace = 'public'::regnamespace AND a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT format('policy %s.%s cmd=%s permissive=%s roles=%s using=%s check=%s', c.relname, p.polname, p.polcmd, p.polpermissive,
                    (SELECT string_agg(CASE r WHEN 0 THEN 'public' ELSE pg_get_userbyid(r)::text END, ',' ORDER BY r) FROM unnest(p.polroles) r),
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
        FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = 'public'::regnamespace
      UNION ALL
      SELECT format('trigger %s.%s enabled=%s %s', c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid))
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
      UNION ALL
      SELECT format('function %s owner=%s secdef=%s acl=%s', p.oid::regprocedure, pg_get_userbyid(p.proowner), p.prosecdef, ${acl('p.proacl')})
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
      UNION ALL
      SELECT format('schema public acl=%s', ${acl('n.nspacl')}) FROM pg_namespace n WHERE n.nspname = 'public'
    ) facts ORDER BY line COLLATE "C"`)
  return rows.map((r) => r.line)
}

/** What the public schema already holds (relations, functions, types): empty means restorable. */
export async function publicSchemaContents(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ item: string }>(`
    SELECT item FROM (
      SELECT 1 AS k, 'table ' || relname AS item FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
      UNION ALL SELECT 2, 'relation ' || relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind NOT IN ('r', 'p')
      UNION ALL SELECT 3, 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
      UNION ALL SELECT 4, 'type ' || typname FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd', 'r', 'm')
    ) s ORDER BY k, item COLLATE "C" LIMIT 5`)
  return rows.map((r) => r.item)
}

/** The roles a dump's grants and policies name; provisioning creates them, a restore cannot. */
export async function missingRoles(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ role: string }>(
    "SELECT r AS role FROM unnest(ARRAY['printforge_owner', 'printforge_app', 'printforge_readonly']) r WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)",
  )
  return rows.map((r) => r.role)
}
