-- Hand-written: what Prisma's schema language cannot express (docs/product.md §5.1–§5.3).
-- Roles, grants, row-level security (enabled AND forced), the append-only audit log and its
-- hash chain. Runs as the owner role, inside one transaction.

-- ---------------------------------------------------------------------------------------------
-- §5.1 Roles. Created without a password, so nobody can log in as them until ops (compose's init
-- script) or the dev/test scripts set a generated one. When they already exist this is a no-op.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'printforge_app') THEN
    CREATE ROLE printforge_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'printforge_readonly') THEN
    CREATE ROLE printforge_readonly LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION;
  END IF;
END $$;

-- No DDL for anyone but the owner.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO printforge_app, printforge_readonly;

-- ---------------------------------------------------------------------------------------------
-- §5.2 Request context. Each request's transaction starts with
--   set_config('app.actor_id', …, true), set_config('app.role', …, true)
-- (transaction-local). Unset or empty means "nobody": every policy then denies.
CREATE FUNCTION public.app_actor_id() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('app.actor_id', true), '') $$;

CREATE FUNCTION public.app_role() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT NULLIF(current_setting('app.role', true), '') $$;

-- Staff roles see every tenant's rows; 'system' is the worker and ops commands.
CREATE FUNCTION public.app_is_staff() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT COALESCE(public.app_role() IN ('operator', 'admin', 'system'), false) $$;

CREATE FUNCTION public.app_is_admin() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT COALESCE(public.app_role() IN ('admin', 'system'), false) $$;

-- A customer context owning the row.
CREATE FUNCTION public.app_owns(owner text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT COALESCE(public.app_role() = 'customer' AND owner = public.app_actor_id(), false) $$;

-- ---------------------------------------------------------------------------------------------
-- Grants. printforge_app reads and writes data but only appends to the audit log.
GRANT SELECT, INSERT, UPDATE, DELETE ON
  staff, customer_quotas, scan_jobs, scan_images, printers, printer_status,
  manufacturing_jobs, manufacturing_job_events, idempotency_keys
TO printforge_app;
GRANT SELECT, INSERT ON audit_log TO printforge_app;
GRANT SELECT ON audit_chain TO printforge_app;
-- Column defaults call nextval() with the inserting role's rights.
GRANT USAGE ON SEQUENCE audit_log_id_seq, manufacturing_job_events_id_seq TO printforge_app;

-- printforge_readonly: analytics, but never the audit details nor the printers' encrypted codes.
GRANT SELECT ON
  staff, customer_quotas, scan_jobs, scan_images, printer_status,
  manufacturing_jobs, manufacturing_job_events, audit_chain
TO printforge_readonly;
GRANT SELECT (id, name, model, serial, host, mqtt_port, ftps_port, created_at, updated_at) ON printers TO printforge_readonly;
GRANT SELECT (id, at, actor_type, actor_id, action, target_type, target_id, ip, user_agent, request_id, prev_hash, hash)
  ON audit_log TO printforge_readonly;

-- ---------------------------------------------------------------------------------------------
-- §5.2 Row-level security, enabled and FORCED (so the owner is bound too). Policies name
-- printforge_app (and printforge_readonly for reads); any other role gets default deny.

-- Customer data: a customer sees its own rows, staff see all, no context sees nothing.
ALTER TABLE scan_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE scan_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scan_jobs TO printforge_app
  USING (public.app_is_staff() OR public.app_owns(customer_id))
  WITH CHECK (public.app_is_staff() OR public.app_owns(customer_id));

ALTER TABLE scan_images ENABLE ROW LEVEL SECURITY;
ALTER TABLE scan_images FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scan_images TO printforge_app
  USING (public.app_is_staff() OR public.app_owns(customer_id))
  WITH CHECK (public.app_is_staff() OR public.app_owns(customer_id));

-- Quotas: customers read their own; only admins (or the system) change them.
ALTER TABLE customer_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE customer_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY quota_read ON customer_quotas FOR SELECT TO printforge_app
  USING (public.app_is_staff() OR public.app_owns(customer_id));
CREATE POLICY quota_write ON customer_quotas FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

-- Idempotency records belong to the actor that made the request, whatever its role.
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY own_keys ON idempotency_keys TO printforge_app
  USING (actor_id = public.app_actor_id()) WITH CHECK (actor_id = public.app_actor_id());
-- The system (expiry sweeps) may remove anyone's expired keys.
CREATE POLICY system_sweep ON idempotency_keys FOR DELETE TO printforge_app
  USING (public.app_role() = 'system');

-- Staff table: each user may read its own grant (the per-request role lookup); staff read all;
-- only admins and the system change grants.
ALTER TABLE staff ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_read ON staff FOR SELECT TO printforge_app
  USING (user_id = public.app_actor_id() OR public.app_is_staff());
CREATE POLICY staff_write ON staff FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

-- Printers and print jobs are staff business only.
ALTER TABLE printers ENABLE ROW LEVEL SECURITY;
ALTER TABLE printers FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_only ON printers TO printforge_app USING (public.app_is_staff()) WITH CHECK (public.app_is_staff());
ALTER TABLE printer_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE printer_status FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_only ON printer_status TO printforge_app USING (public.app_is_staff()) WITH CHECK (public.app_is_staff());
ALTER TABLE manufacturing_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE manufacturing_jobs FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_only ON manufacturing_jobs TO printforge_app USING (public.app_is_staff()) WITH CHECK (public.app_is_staff());
ALTER TABLE manufacturing_job_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE manufacturing_job_events FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_only ON manufacturing_job_events TO printforge_app USING (public.app_is_staff()) WITH CHECK (public.app_is_staff());

-- Analytics may read every row of the tables it was granted.
CREATE POLICY analytics_read ON scan_jobs FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON scan_images FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON customer_quotas FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON staff FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON printers FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON printer_status FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON manufacturing_jobs FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON manufacturing_job_events FOR SELECT TO printforge_readonly USING (true);

-- ---------------------------------------------------------------------------------------------
-- §5.3 Audit log: append-only and hash-chained.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
-- Anyone may append, but only as itself: staff and the system for any actor, a customer for
-- itself, a request without identity only as 'anonymous' (auth.failed).
CREATE POLICY audit_append ON audit_log FOR INSERT TO printforge_app
  WITH CHECK (
    public.app_is_staff()
    OR actor_id = public.app_actor_id()
    OR (actor_type = 'anonymous' AND actor_id IS NULL)
  );
-- Admins and the system read the whole log; a customer reads the rows of its own actions (export).
CREATE POLICY audit_read ON audit_log FOR SELECT TO printforge_app
  USING (public.app_is_admin() OR (actor_type = 'customer' AND public.app_owns(actor_id)));
CREATE POLICY analytics_read ON audit_log FOR SELECT TO printforge_readonly USING (true);

ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z]+(\.[a-z_]+)+$');
ALTER TABLE audit_log ADD CONSTRAINT audit_log_hash_format CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE audit_log ADD CONSTRAINT audit_log_details_object CHECK (jsonb_typeof(details) = 'object');

-- The chain's single head row; the genesis anchor is 64 zeros.
ALTER TABLE audit_chain ADD CONSTRAINT audit_chain_single_row CHECK (id = 1);
INSERT INTO audit_chain (id, last_id, last_hash, anchor_hash) VALUES (1, 0, repeat('0', 64), repeat('0', 64));

-- The hash of a row: SHA-256 over an unambiguous encoding (a JSON array; jsonb's text form is
-- canonical) of every column but `hash`, including the previous row's hash. Time is hashed as
-- epoch microseconds so the session's TimeZone cannot change the result.
CREATE FUNCTION public.audit_row_hash(r public.audit_log) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    r.id, (extract(epoch FROM r.at) * 1000000)::bigint, r.actor_type::text, r.actor_id, r.action,
    r.target_type, r.target_id, r.ip, r.user_agent, r.request_id, r.details, r.prev_hash
  )::text, 'UTF8')), 'hex')
$$;

-- Assigns id, time and hashes on insert. Locking the head row serialises writers: a concurrent
-- insert waits here until this transaction ends and then (READ COMMITTED) reads the head this
-- one left, so ids are gapless in chain order and the chain cannot fork. Under REPEATABLE READ
-- the second writer gets a serialization error instead: it fails, it never forks. SECURITY
-- DEFINER because only the owner may touch audit_chain.
CREATE FUNCTION public.audit_log_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
  head public.audit_chain%ROWTYPE;
BEGIN
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1 FOR UPDATE;
  NEW.id := head.last_id + 1;
  NEW.at := now();
  NEW.prev_hash := head.last_hash;
  NEW.hash := public.audit_row_hash(NEW);
  UPDATE public.audit_chain SET last_id = NEW.id, last_hash = NEW.hash WHERE id = 1;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION public.audit_log_chain() FROM PUBLIC;

CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION public.audit_log_chain();

-- Statement-level, so it fires even when RLS hides every row: UPDATE, DELETE and TRUNCATE
-- (which ignores RLS and row triggers) are refused for every role, the owner included, until
-- someone drops or disables this trigger on purpose — which `audit verify` then exposes.
CREATE FUNCTION public.audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_refuse_change();

-- The same protection for the chain head: only the insert trigger (running as owner) moves it.
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE OR DELETE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_refuse_change();

-- Recomputes the chain in id order. Returns the first row whose hash, link or position is wrong
-- (or, when the newest rows were removed, the id the head expected next). Runs with the caller's
-- rights: call it with the 'system' or 'admin' context, which sees every row.
CREATE FUNCTION public.audit_verify() RETURNS TABLE (ok boolean, checked bigint, first_broken_id bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public AS $$
DECLARE
  head public.audit_chain%ROWTYPE;
  r public.audit_log;
  expected_prev text;
  expected_id bigint := NULL;
  n bigint := 0;
BEGIN
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1;
  expected_prev := head.anchor_hash;
  FOR r IN SELECT * FROM public.audit_log ORDER BY id LOOP
    n := n + 1;
    IF (expected_id IS NOT NULL AND r.id <> expected_id)
       OR r.prev_hash IS DISTINCT FROM expected_prev
       OR r.hash IS DISTINCT FROM public.audit_row_hash(r) THEN
      RETURN QUERY SELECT false, n, r.id;
      RETURN;
    END IF;
    expected_prev := r.hash;
    expected_id := r.id + 1;
  END LOOP;
  IF expected_prev IS DISTINCT FROM head.last_hash THEN
    RETURN QUERY SELECT false, n, COALESCE(expected_id, head.last_id);
    RETURN;
  END IF;
  RETURN QUERY SELECT true, n, NULL::bigint;
END $$;
REVOKE ALL ON FUNCTION public.audit_verify() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.audit_verify() TO printforge_app;
