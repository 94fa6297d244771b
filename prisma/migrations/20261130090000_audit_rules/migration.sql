-- Hand-written: the database enforces the same rules as the API (outside security review).
-- Before this, a context could append audit rows in another actor's name, any context could
-- call audit_prune(), operators could rewrite printers, and a customer context could rewrite its
-- scan rows at will: rules the API kept, but nothing below it did.

-- ---------------------------------------------------------------------------------------------
-- Audit rows are written AS ONESELF only. The context (withTx) is who is acting; the row must
-- name exactly that actor: a customer as itself, staff and plain Medusa users as the user they
-- are, the system (worker: 'system'; ops CLI: 'ops:<login>') as the id its context carries, a
-- request without identity as nobody. No context, no row.
CREATE FUNCTION public.audit_actor_is_self(p_type text, p_id text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT COALESCE(CASE public.app_role()
    WHEN 'customer'  THEN p_type = 'customer' AND p_id = public.app_actor_id()
    WHEN 'user'      THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'operator'  THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'admin'     THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'system'    THEN p_type = 'system' AND p_id = public.app_actor_id()
    WHEN 'anonymous' THEN p_type = 'anonymous' AND p_id IS NULL AND public.app_actor_id() IS NULL
  END, false)
$$;

DROP POLICY audit_append ON audit_log;
CREATE POLICY audit_append ON audit_log FOR INSERT TO printforge_app
  WITH CHECK (public.audit_actor_is_self(actor_type::text, actor_id));

-- ---------------------------------------------------------------------------------------------
-- Printers: operators read and command them (the command goes through the queue, not this
-- table); only admins, and the system (ops CLI, key rotation), register, edit or remove them.
DROP POLICY staff_only ON printers;
CREATE POLICY staff_read ON printers FOR SELECT TO printforge_app USING (public.app_is_staff());
CREATE POLICY admin_write ON printers FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

-- Live printer state is the worker's (system). Registration creates the empty status row together
-- with the printer (admin through the API, system through the CLI). Nobody deletes status rows:
-- they go with their printer (ON DELETE CASCADE runs as the table owner, outside RLS).
DROP POLICY staff_only ON printer_status;
CREATE POLICY staff_read ON printer_status FOR SELECT TO printforge_app USING (public.app_is_staff());
CREATE POLICY registered_with_printer ON printer_status FOR INSERT TO printforge_app WITH CHECK (public.app_is_admin());
CREATE POLICY worker_writes ON printer_status FOR UPDATE TO printforge_app
  USING (public.app_role() = 'system') WITH CHECK (public.app_role() = 'system');

-- ---------------------------------------------------------------------------------------------
-- Customers' own scan rows. Row ownership alone (tenant_isolation) let a customer context set any
-- column of its rows; the API only ever creates them fresh and cancels. RESTRICTIVE policies are
-- ANDed with tenant_isolation, whatever later migrations do to it.

-- A customer creates a job only in its initial state.
CREATE POLICY customer_creates_queued ON scan_jobs AS RESTRICTIVE FOR INSERT TO printforge_app
  WITH CHECK (public.app_role() IS DISTINCT FROM 'customer' OR (status = 'queued' AND finished_at IS NULL AND failure_reason IS NULL));

-- A customer's only change to a job is cancelling it while it is queued or processing (status,
-- finished_at and updated_at move; nothing else). Compared as jsonb minus those keys so a column
-- added later is frozen too, without touching this function.
CREATE FUNCTION public.scan_jobs_customer_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status NOT IN ('queued', 'processing') OR NEW.status <> 'cancelled'
     OR (to_jsonb(NEW) - ARRAY['status', 'finished_at', 'updated_at'])
        IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['status', 'finished_at', 'updated_at']) THEN
    RAISE EXCEPTION 'scan_jobs: a customer may only cancel a queued or processing job'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION public.scan_jobs_customer_update() FROM PUBLIC;

CREATE TRIGGER scan_jobs_customer_update BEFORE UPDATE ON scan_jobs
  FOR EACH ROW WHEN (public.app_role() = 'customer') EXECUTE FUNCTION public.scan_jobs_customer_update();

-- Image rows: a customer inserts them quarantined, under its job's quarantine prefix, with nothing
-- stored yet, and never updates them (status and storage_key are the worker's: a forged
-- storage_key would be presigned for download, a forged quarantine_key ingested as this job's).
-- Deleting its own rows stays possible (tenant_isolation).
CREATE POLICY customer_inserts_quarantined ON scan_images AS RESTRICTIVE FOR INSERT TO printforge_app
  WITH CHECK (
    public.app_role() IS DISTINCT FROM 'customer'
    OR (status = 'quarantined' AND storage_key IS NULL AND quarantine_key = 'quarantine/' || job_id || '/' || id)
  );
CREATE POLICY staff_updates ON scan_images AS RESTRICTIVE FOR UPDATE TO printforge_app
  USING (public.app_is_staff()) WITH CHECK (public.app_is_staff());

-- ---------------------------------------------------------------------------------------------
-- audit_prune() removes history: only the system context (the retention job) may run it. The
-- grant stays with printforge_app (the worker's role), so the check is on the context.
CREATE OR REPLACE FUNCTION public.audit_prune(p_through_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  head public.audit_chain%ROWTYPE;
  r public.audit_log;
  expected_prev text;
  newest timestamptz;
  removed bigint;
BEGIN
  IF public.app_role() IS DISTINCT FROM 'system' THEN
    RAISE EXCEPTION 'audit_prune: only the system context may prune' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_through_id IS NULL OR p_through_id < 1 THEN
    RAISE EXCEPTION 'audit_prune: invalid row id %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  LOCK TABLE public.audit_log IN ACCESS EXCLUSIVE MODE;
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1 FOR UPDATE;
  IF p_through_id > head.last_id THEN
    RAISE EXCEPTION 'audit_prune: row % is beyond the chain head %', p_through_id, head.last_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  ALTER TABLE public.audit_log NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE public.audit_log DISABLE TRIGGER audit_log_append_only;

  SELECT max(at) INTO newest FROM public.audit_log WHERE id <= p_through_id;
  IF newest IS NULL THEN
    RAISE EXCEPTION 'audit_prune: no rows up to %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF newest >= now() - interval '30 days' THEN
    RAISE EXCEPTION 'audit_prune: rows up to % include some newer than 30 days', p_through_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  expected_prev := head.anchor_hash;
  FOR r IN SELECT * FROM public.audit_log WHERE id <= p_through_id ORDER BY id LOOP
    IF r.prev_hash IS DISTINCT FROM expected_prev OR r.hash IS DISTINCT FROM public.audit_row_hash(r) THEN
      RAISE EXCEPTION 'audit_prune: chain broken at row %; refusing to prune', r.id USING ERRCODE = 'data_corrupted';
    END IF;
    expected_prev := r.hash;
  END LOOP;

  DELETE FROM public.audit_log WHERE id <= p_through_id;
  GET DIAGNOSTICS removed = ROW_COUNT;
  UPDATE public.audit_chain SET anchor_hash = expected_prev WHERE id = 1;

  ALTER TABLE public.audit_log ENABLE TRIGGER audit_log_append_only;
  ALTER TABLE public.audit_log FORCE ROW LEVEL SECURITY;
  RETURN removed;
END $$;
