-- Hand-written: backups (`npm run cli -- backup create`) without a superuser and without BYPASSRLS.
-- pg_dump runs as the owner role, which FORCE ROW LEVEL SECURITY binds like everyone else and which
-- has no read policy on these tables: with row_security off pg_dump stops ("query would be affected
-- by row-level security policy"), with it on it would silently dump empty tables. Same pattern as
-- prune_read: a SELECT policy for the owner that opens only while a session-level flag is on. The
-- backup command sets it (PGOPTIONS) for pg_dump and its own row counts. This gives the owner no
-- right it lacks today (it owns the tables: it could lift FORCE or disable triggers); the app and
-- read-only roles gain nothing, the policies name the owner alone.
--
-- Every table with forced RLS gets one; `backup create` refuses to run while any such table lacks
-- it, so a table added later without its backup_read policy cannot be dumped empty by accident.
DO $$
DECLARE t text;
BEGIN
  FOR t IN
    SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity AND c.relforcerowsecurity
     ORDER BY c.relname
  LOOP
    EXECUTE format(
      'CREATE POLICY backup_read ON public.%I FOR SELECT TO CURRENT_USER USING (current_setting(%L, true) = %L)',
      t, 'printforge.backup', 'on');
  END LOOP;
END $$;
