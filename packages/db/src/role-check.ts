import type { Db } from './client.js'

/** Tables the app role reaches: RLS must be enabled and forced on each (docs/product.md §5.2). */
export const RLS_TABLES = [
  'scan_jobs',
  'scan_images',
  'customer_quotas',
  'idempotency_keys',
  'audit_log',
  'audit_anchor',
  'audit_verifications',
  'audit_verify_checkpoint',
  'staff',
  'printers',
  'printer_status',
  'manufacturing_jobs',
  'manufacturing_job_events',
  'quota_usage',
  'object_deletions',
  'token_revocations',
  'api_keys',
  'orders',
  'order_items',
  'print_files',
  'webhook_endpoints',
  'webhook_secrets',
  'webhook_events',
  'webhook_deliveries',
  'worker_members',
  'printer_leases',
] as const

interface RoleFacts {
  role: string
  superuser: boolean
  bypassrls: boolean
  owns_tables: boolean
  member_of_owner: boolean
  audit_update: boolean
  audit_delete: boolean
  audit_truncate: boolean
  unprotected_tables: string[] | null
}

/**
 * Startup check for the apps' database role: refuses to run when the role could read past RLS
 * or rewrite history — superuser, BYPASSRLS, table owner (or a member of it), UPDATE/DELETE/
 * TRUNCATE on the audit log — or when a customer-data table has RLS off or not forced.
 * Throws with every problem listed; returns the role name when all is well.
 */
export async function assertSafeAppRole(db: Db): Promise<string> {
  const [facts] = await db.$queryRawUnsafe<RoleFacts[]>(
    `SELECT r.rolname AS role, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls,
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relowner = r.oid) AS owns_tables,
       pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = 'public.audit_log'::regclass), 'MEMBER') AS member_of_owner,
       has_table_privilege(r.oid, 'public.audit_log', 'UPDATE') AS audit_update,
       has_table_privilege(r.oid, 'public.audit_log', 'DELETE') AS audit_delete,
       has_table_privilege(r.oid, 'public.audit_log', 'TRUNCATE') AS audit_truncate,
       (SELECT array_agg(c.relname::text) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity)) AS unprotected_tables
     FROM pg_roles r WHERE r.rolname = current_user`,
    [...RLS_TABLES],
  )
  if (!facts) throw new Error('cannot read the database role of this connection')
  const problems: string[] = []
  if (facts.superuser) problems.push('is a superuser')
  if (facts.bypassrls) problems.push('has BYPASSRLS')
  if (facts.owns_tables) problems.push('owns tables (RLS and grants would not bind it)')
  if (facts.member_of_owner) problems.push("is a member of the tables' owner role")
  if (facts.audit_update) problems.push('can UPDATE audit_log')
  if (facts.audit_delete) problems.push('can DELETE from audit_log')
  if (facts.audit_truncate) problems.push('can TRUNCATE audit_log')
  if (facts.unprotected_tables?.length) {
    problems.push(`reaches tables without forced RLS: ${facts.unprotected_tables.join(', ')}`)
  }
  if (problems.length > 0) {
    throw new Error(
      `Refusing to start: database role "${facts.role}" ${problems.join('; ')}. ` +
        'Connect as printforge_app with only the grants its migrations give it.',
    )
  }
  return facts.role
}
