-- Hand-written: the database enforces the same rules as the API (outside security review).
-- Before this, a context could append audit rows in another actor's name, any context could
-- call audit_prune(), operators could rewrite printers, and a customer context could rewrite its
-- scan rows at will: rules the API kept, but nothing below it did. And audit_prune() locked the
-- whole audit log (LOCK TABLE + ALTER TABLE) while it ran: every audited write stalled.

-- ---------------------------------------------------------------------------------------------
-- Prisma's DDL for this change of schema.prisma (AuditAnchor, AuditVerificationRun,
-- AuditVerifyCheckpoint; AuditChain loses its anchor, which moves into audit_anchor below before
-- the column goes), in the form `npm run cli -- migrate diff` prints; the drift test holds them equal.

-- CreateTable
CREATE TABLE "audit_anchor" (
    "id" INTEGER NOT NULL,
    "through_id" BIGINT NOT NULL,
    "hash" VARCHAR(64) NOT NULL,

    CONSTRAINT "audit_anchor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_verifications" (
    "id" BIGSERIAL NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ok" BOOLEAN NOT NULL,
    "checked" BIGINT NOT NULL,
    "first_broken_id" BIGINT,
    "through_id" BIGINT NOT NULL,
    "source" VARCHAR(16) NOT NULL,
    "actor_id" VARCHAR(255) NOT NULL,

    CONSTRAINT "audit_verifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_verify_checkpoint" (
    "id" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "through_id" BIGINT NOT NULL,
    "through_hash" VARCHAR(64) NOT NULL,
    "checked" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_verify_checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_verifications_finished_at_idx" ON "audit_verifications"("finished_at");

-- The current anchor: the row before the oldest one left (or the head when none is left). The
-- owner reads audit_log past its forced RLS for this one statement of the migration.
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
INSERT INTO audit_anchor (id, through_id, hash)
  SELECT 1, COALESCE((SELECT min(id) - 1 FROM audit_log), c.last_id), c.anchor_hash FROM audit_chain c WHERE c.id = 1;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

-- AlterTable
ALTER TABLE "audit_chain" DROP COLUMN "anchor_hash";

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
-- The anchor's own row. Its hash only ever moves inside audit_prune() (SECURITY DEFINER, with the
-- prune flag set); nobody deletes it. Everyone who verifies reads it.
ALTER TABLE audit_anchor ADD CONSTRAINT audit_anchor_single_row CHECK (id = 1);
ALTER TABLE audit_anchor ADD CONSTRAINT audit_anchor_hash_format CHECK (hash ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_anchor ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_anchor FORCE ROW LEVEL SECURITY;
CREATE POLICY anchor_read ON audit_anchor FOR SELECT USING (true);
CREATE POLICY anchor_moves_in_prune ON audit_anchor FOR UPDATE TO CURRENT_USER
  USING (current_setting('printforge.audit_prune', true) = 'on')
  WITH CHECK (current_setting('printforge.audit_prune', true) = 'on');
GRANT SELECT ON audit_anchor TO printforge_app, printforge_readonly;

-- The append-only trigger lets exactly one thing through: a DELETE issued by the table's owner
-- while the transaction-local prune flag is on. Only audit_prune() does both (SECURITY DEFINER:
-- current_user is the owner inside it; it sets the flag and clears it before returning). The
-- app role may set the flag too, but is never the owner; UPDATE and TRUNCATE stay refused for all.
-- No DDL and no table lock: inserts (ROW EXCLUSIVE) never wait on a prune.
CREATE OR REPLACE FUNCTION public.audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log'
     AND current_setting('printforge.audit_prune', true) = 'on'
     AND (SELECT relowner FROM pg_catalog.pg_class WHERE oid = TG_RELID) = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_anchor_no_delete BEFORE TRUNCATE OR DELETE ON audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_refuse_change();

-- RLS is forced on audit_log and the owner had no policy: it saw no rows. Inside a prune (flag on)
-- it may read and delete; the function decides which rows.
CREATE POLICY prune_read ON audit_log FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.audit_prune', true) = 'on');
CREATE POLICY prune_delete ON audit_log FOR DELETE TO CURRENT_USER
  USING (current_setting('printforge.audit_prune', true) = 'on');

-- ---------------------------------------------------------------------------------------------
-- audit_prune(): same rules as before — only the system context, only a prefix of the chain,
-- never a row newer than 30 days, never over a break, re-anchored so the rest verifies — without
-- the table lock, the DDL or the head row. Concurrent prunes queue on the anchor row.
CREATE OR REPLACE FUNCTION public.audit_prune(p_through_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  anchor public.audit_anchor%ROWTYPE;
  head_id bigint;
  r public.audit_log;
  expected_prev text;
  expected_id bigint;
  newest timestamptz;
  removed bigint;
BEGIN
  IF public.app_role() IS DISTINCT FROM 'system' THEN
    RAISE EXCEPTION 'audit_prune: only the system context may prune' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_through_id IS NULL OR p_through_id < 1 THEN
    RAISE EXCEPTION 'audit_prune: invalid row id %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The flag opens the owner's policies and the append-only trigger's one exception (see above).
  -- Transaction-local; turned off again before returning, and an error rolls it back with the rest.
  PERFORM set_config('printforge.audit_prune', 'on', true);
  SELECT * INTO STRICT anchor FROM public.audit_anchor WHERE id = 1 FOR UPDATE;
  -- A prune that waited on the anchor may find its work done by the one before it.
  IF p_through_id <= anchor.through_id THEN
    PERFORM set_config('printforge.audit_prune', 'off', true);
    RETURN 0;
  END IF;
  -- The head is read, never locked: rows up to a committed head are complete, and a row being
  -- inserted right now gets an id above it.
  SELECT last_id INTO STRICT head_id FROM public.audit_chain WHERE id = 1;
  IF p_through_id > head_id THEN
    RAISE EXCEPTION 'audit_prune: row % is beyond the chain head %', p_through_id, head_id USING ERRCODE = 'invalid_parameter_value';
  END IF;

  SELECT max(at) INTO newest FROM public.audit_log WHERE id <= p_through_id;
  IF newest IS NULL THEN
    RAISE EXCEPTION 'audit_prune: no rows up to %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Floor of AUDIT_RETENTION_DAYS: even a compromised app role cannot erase recent history.
  IF newest >= now() - interval '30 days' THEN
    RAISE EXCEPTION 'audit_prune: rows up to % include some newer than 30 days', p_through_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Never prune over a break (or a gap): that would destroy the evidence verification exists for.
  expected_prev := anchor.hash;
  expected_id := anchor.through_id + 1;
  FOR r IN SELECT * FROM public.audit_log WHERE id <= p_through_id ORDER BY id LOOP
    IF r.id <> expected_id OR r.prev_hash IS DISTINCT FROM expected_prev OR r.hash IS DISTINCT FROM public.audit_row_hash(r) THEN
      RAISE EXCEPTION 'audit_prune: chain broken at row %; refusing to prune', r.id USING ERRCODE = 'data_corrupted';
    END IF;
    expected_prev := r.hash;
    expected_id := r.id + 1;
  END LOOP;
  IF expected_id <> p_through_id + 1 THEN
    RAISE EXCEPTION 'audit_prune: chain broken at row %; refusing to prune', expected_id USING ERRCODE = 'data_corrupted';
  END IF;

  DELETE FROM public.audit_log WHERE id <= p_through_id;
  GET DIAGNOSTICS removed = ROW_COUNT;
  UPDATE public.audit_anchor SET through_id = p_through_id, hash = expected_prev WHERE id = 1;
  PERFORM set_config('printforge.audit_prune', 'off', true);
  RETURN removed;
END $$;

-- ---------------------------------------------------------------------------------------------
-- audit_verify() starts at the anchor's new home and also checks the first row's position.
-- Verifying needs a context that sees every row (admin or system): refuse the others rather than
-- report their partial view as a break.
CREATE OR REPLACE FUNCTION public.audit_verify() RETURNS TABLE (ok boolean, checked bigint, first_broken_id bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  anchor public.audit_anchor%ROWTYPE;
  head public.audit_chain%ROWTYPE;
  r public.audit_log;
  expected_prev text;
  expected_id bigint;
  n bigint := 0;
BEGIN
  IF NOT public.app_is_admin() THEN
    RAISE EXCEPTION 'audit_verify: needs the admin or system context' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT * INTO STRICT anchor FROM public.audit_anchor WHERE id = 1;
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1;
  expected_prev := anchor.hash;
  expected_id := anchor.through_id + 1;
  FOR r IN SELECT * FROM public.audit_log ORDER BY id LOOP
    n := n + 1;
    IF r.id <> expected_id OR r.prev_hash IS DISTINCT FROM expected_prev OR r.hash IS DISTINCT FROM public.audit_row_hash(r) THEN
      RETURN QUERY SELECT false, n, r.id;
      RETURN;
    END IF;
    expected_prev := r.hash;
    expected_id := r.id + 1;
  END LOOP;
  -- The newest rows were removed: name the first id the head says exists.
  IF expected_id - 1 <> head.last_id OR expected_prev IS DISTINCT FROM head.last_hash THEN
    RETURN QUERY SELECT false, n, expected_id;
    RETURN;
  END IF;
  RETURN QUERY SELECT true, n, NULL::bigint;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Verifying in batches. audit_verify() is one statement over the whole log: under the pools'
-- statement timeouts (10 s API, 60 s worker) a large log cannot finish. audit_verify_range()
-- checks at most p_max_rows rows after a position (id + that row's hash) and returns where it
-- stopped, so callers loop, each batch its own short statement, carrying the hash along.
--   p_after_id NULL: start at the anchor.
--   done: the end of the log was reached (then the head was checked too) or a break was found.
-- When retention pruned past the position between two batches, the rows in between were
-- verified by the prune before it removed them: go on from the anchor. The anchor, the rows and
-- the head are read in one snapshot (STABLE), so a concurrent insert or prune is seen whole or not.
CREATE FUNCTION public.audit_verify_range(p_after_id bigint, p_expected_prev text, p_max_rows integer)
RETURNS TABLE (ok boolean, checked bigint, first_broken_id bigint, last_id bigint, last_hash text, done boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  anchor public.audit_anchor%ROWTYPE;
  head public.audit_chain%ROWTYPE;
  r public.audit_log;
  pos_id bigint := p_after_id;
  expected_prev text := p_expected_prev;
  n bigint := 0;
BEGIN
  IF NOT public.app_is_admin() THEN
    RAISE EXCEPTION 'audit_verify_range: needs the admin or system context' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_max_rows IS NULL OR p_max_rows < 1 THEN
    RAISE EXCEPTION 'audit_verify_range: invalid batch size %', p_max_rows USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO STRICT anchor FROM public.audit_anchor WHERE id = 1;
  IF pos_id IS NULL OR pos_id < anchor.through_id THEN
    pos_id := anchor.through_id;
    expected_prev := anchor.hash;
  END IF;
  FOR r IN SELECT * FROM public.audit_log WHERE id > pos_id ORDER BY id LIMIT p_max_rows LOOP
    n := n + 1;
    IF r.id <> pos_id + 1 OR r.prev_hash IS DISTINCT FROM expected_prev OR r.hash IS DISTINCT FROM public.audit_row_hash(r) THEN
      RETURN QUERY SELECT false, n, r.id, pos_id, expected_prev, true;
      RETURN;
    END IF;
    pos_id := r.id;
    expected_prev := r.hash;
  END LOOP;
  IF n = p_max_rows THEN
    RETURN QUERY SELECT true, n, NULL::bigint, pos_id, expected_prev, false;
    RETURN;
  END IF;
  -- The end of the log must be the head: otherwise the newest rows were removed.
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1;
  IF pos_id <> head.last_id OR expected_prev IS DISTINCT FROM head.last_hash THEN
    RETURN QUERY SELECT false, n, pos_id + 1, pos_id, expected_prev, true;
    RETURN;
  END IF;
  RETURN QUERY SELECT true, n, NULL::bigint, pos_id, expected_prev, true;
END $$;
REVOKE ALL ON FUNCTION public.audit_verify_range(bigint, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.audit_verify_range(bigint, text, integer) TO printforge_app;

-- Finished verifications: appended and read by admin and system contexts only, each in its own
-- name. Never updated or deleted by the app role.
ALTER TABLE audit_verifications ADD CONSTRAINT audit_verifications_source CHECK (source IN ('nightly', 'api', 'cli'));
ALTER TABLE audit_verifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verifications FORCE ROW LEVEL SECURITY;
CREATE POLICY verification_read ON audit_verifications FOR SELECT TO printforge_app USING (public.app_is_admin());
CREATE POLICY verification_record ON audit_verifications FOR INSERT TO printforge_app
  WITH CHECK (public.app_is_admin() AND actor_id = public.app_actor_id());
GRANT SELECT, INSERT ON audit_verifications TO printforge_app;
GRANT USAGE ON SEQUENCE audit_verifications_id_seq TO printforge_app;

-- The nightly run's checkpoint: one row, the system context's alone.
ALTER TABLE audit_verify_checkpoint ADD CONSTRAINT audit_verify_checkpoint_single_row CHECK (id = 1);
ALTER TABLE audit_verify_checkpoint ADD CONSTRAINT audit_verify_checkpoint_hash_format CHECK (through_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_verify_checkpoint ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_verify_checkpoint FORCE ROW LEVEL SECURITY;
CREATE POLICY system_only ON audit_verify_checkpoint TO printforge_app
  USING (public.app_role() = 'system') WITH CHECK (public.app_role() = 'system');
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_verify_checkpoint TO printforge_app;
