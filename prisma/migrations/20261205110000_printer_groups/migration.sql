-- Printer groups with per-group staff roles (docs/product.md §5.4). Global roles (the staff table)
-- keep every policy they had: "all groups". A Medusa user without a global role (RLS context role
-- 'user') may hold a role in some groups; the policies below widen what such a context sees to the
-- printers of its groups, their status, and their print jobs. The grants are read from these
-- tables by the database itself (keyed on app.actor_id), never from the RLS context.

-- CreateTable
CREATE TABLE "printer_groups" (
    "id" UUID NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "printer_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "printer_group_members" (
    "group_id" UUID NOT NULL,
    "printer_id" UUID NOT NULL,
    "added_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "printer_group_members_pkey" PRIMARY KEY ("group_id","printer_id")
);

-- CreateTable
CREATE TABLE "staff_group_roles" (
    "user_id" VARCHAR(255) NOT NULL,
    "group_id" UUID NOT NULL,
    "role" "StaffRole" NOT NULL,
    "granted_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "staff_group_roles_pkey" PRIMARY KEY ("user_id","group_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "printer_groups_name_key" ON "printer_groups"("name");

-- CreateIndex
CREATE INDEX "printer_group_members_printer_id_idx" ON "printer_group_members"("printer_id");

-- CreateIndex
CREATE INDEX "staff_group_roles_group_id_idx" ON "staff_group_roles"("group_id");

-- AddForeignKey
ALTER TABLE "printer_group_members" ADD CONSTRAINT "printer_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "printer_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "printer_group_members" ADD CONSTRAINT "printer_group_members_printer_id_fkey" FOREIGN KEY ("printer_id") REFERENCES "printers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff_group_roles" ADD CONSTRAINT "staff_group_roles_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "printer_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Grants, like the staff table's: the app reads and writes (RLS decides who), analytics reads.
GRANT SELECT, INSERT, UPDATE, DELETE ON printer_groups, printer_group_members, staff_group_roles TO printforge_app;
GRANT SELECT ON printer_groups, printer_group_members, staff_group_roles TO printforge_readonly;

ALTER TABLE printer_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE printer_groups FORCE ROW LEVEL SECURITY;
ALTER TABLE printer_group_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE printer_group_members FORCE ROW LEVEL SECURITY;
ALTER TABLE staff_group_roles ENABLE ROW LEVEL SECURITY;
ALTER TABLE staff_group_roles FORCE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- The caller's group grants, as arrays computed once per statement. Policies call them inside a
-- scalar sub-select, `x = ANY ((SELECT f())::uuid[])` (the cast keeps it an array, not ANY (subquery)), which PostgreSQL runs once as an InitPlan instead of
-- once per row (a plain STABLE call in a policy is evaluated per row). SECURITY DEFINER so the
-- lookup neither recurses into these tables' own policies nor costs a policy check per row; it
-- reads only the caller's own rows (app_actor_id) and only for a context without a global role
-- ('user'): global staff keep their own policies, and customers, keys and anonymous callers get {}.
CREATE FUNCTION public.app_group_printer_ids(p_min_role text) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT COALESCE(array_agg(DISTINCT m.printer_id), '{}')
    FROM public.staff_group_roles r
    JOIN public.printer_group_members m ON m.group_id = r.group_id
   WHERE public.app_role() = 'user' AND r.user_id = public.app_actor_id()
     AND (p_min_role = 'operator' OR r.role = 'admin')
$$;
REVOKE ALL ON FUNCTION public.app_group_printer_ids(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_group_printer_ids(text) TO printforge_app;

-- Models of the printers in the caller's groups: who sees a queued "any printer of model M" job
-- that no printer has taken yet. SECURITY INVOKER: it reads printers under the caller's own
-- policies (group_read below), so it can never name a model the caller could not see.
CREATE FUNCTION public.app_group_models() RETURNS "BambuModel"[]
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = public, pg_temp AS $$
  SELECT COALESCE(array_agg(DISTINCT p.model), '{}')
    FROM public.printers p
   WHERE public.app_role() = 'user' AND p.id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[])
$$;
REVOKE ALL ON FUNCTION public.app_group_models() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_group_models() TO printforge_app;

-- The definer function above runs as the owner, which forced RLS binds too (as for api_keys).
CREATE POLICY definer_read ON staff_group_roles FOR SELECT TO CURRENT_USER USING (true);
CREATE POLICY definer_read ON printer_group_members FOR SELECT TO CURRENT_USER USING (true);

-- ---------------------------------------------------------------------------------------------
-- The group tables: global admins (and the system: ops CLI) manage them; global staff read them;
-- a group member reads its own grants and the groups (and their members) it holds a role in.
CREATE POLICY staff_read ON staff_group_roles FOR SELECT TO printforge_app
  USING (user_id = public.app_actor_id() OR public.app_is_staff());
CREATE POLICY admin_write ON staff_group_roles FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

CREATE POLICY staff_read ON printer_groups FOR SELECT TO printforge_app USING (
  public.app_is_staff() OR (public.app_role() = 'user' AND EXISTS (
    SELECT 1 FROM public.staff_group_roles r WHERE r.group_id = printer_groups.id AND r.user_id = public.app_actor_id()))
);
CREATE POLICY admin_write ON printer_groups FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

CREATE POLICY staff_read ON printer_group_members FOR SELECT TO printforge_app USING (
  public.app_is_staff() OR (public.app_role() = 'user' AND EXISTS (
    SELECT 1 FROM public.staff_group_roles r WHERE r.group_id = printer_group_members.group_id AND r.user_id = public.app_actor_id()))
);
CREATE POLICY admin_write ON printer_group_members FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());

CREATE POLICY analytics_read ON printer_groups FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON printer_group_members FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON staff_group_roles FOR SELECT TO printforge_readonly USING (true);

-- ---------------------------------------------------------------------------------------------
-- What a group role reaches. Permissive policies, OR-ed with the global ones (staff_read,
-- staff_only, key_*_read, order_read), which stay as they were. Registering, editing and removing
-- printers and writing live state stay global (admin_write, worker_writes).

-- Printers and their live state: any role in a group that holds the printer.
CREATE POLICY group_read ON printers FOR SELECT TO printforge_app
  USING (id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[]));
CREATE POLICY group_read ON printer_status FOR SELECT TO printforge_app
  USING (printer_id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[]));

-- Print jobs on those printers; and a queued job for "any printer of model M" that no printer has
-- taken yet, when the caller's groups hold a printer of that model (it may land there). Read only:
-- such a job may as well land on another group's printer.
CREATE POLICY group_read ON manufacturing_jobs FOR SELECT TO printforge_app USING (
  printer_id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[])
  OR (printer_id IS NULL AND requested_model = ANY ((SELECT public.app_group_models())::"BambuModel"[]))
);
-- Cancelling (operator and admin), only while on a printer of the caller's groups, and it stays there.
CREATE POLICY group_update ON manufacturing_jobs FOR UPDATE TO printforge_app
  USING (printer_id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[]))
  WITH CHECK (printer_id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[]));
-- Dispatching: a group admin names a printer of a group it administers (never "any printer of a
-- model", which the worker may place on any printer of the farm).
CREATE POLICY group_dispatch ON manufacturing_jobs FOR INSERT TO printforge_app
  WITH CHECK (printer_id = ANY ((SELECT public.app_group_printer_ids('admin'))::uuid[]));

-- A job's state history follows the job: readable and appendable when the job itself is, under the
-- caller's own manufacturing_jobs policies (the sub-select is filtered by them).
CREATE POLICY group_read ON manufacturing_job_events FOR SELECT TO printforge_app USING (
  public.app_role() = 'user' AND EXISTS (SELECT 1 FROM public.manufacturing_jobs j WHERE j.id = manufacturing_job_events.job_id)
);
CREATE POLICY group_write ON manufacturing_job_events FOR INSERT TO printforge_app WITH CHECK (
  public.app_role() = 'user' AND EXISTS (
    SELECT 1 FROM public.manufacturing_jobs j
     WHERE j.id = manufacturing_job_events.job_id AND j.printer_id = ANY ((SELECT public.app_group_printer_ids('operator'))::uuid[]))
);

-- The API keys' read policies on these four tables called app_has_scope (SECURITY DEFINER, never
-- inlined) once per row, for every context that is not global staff (whose own policy answers
-- first). Nobody else read these tables before groups; a group member's list now does, and with
-- 40,000 print jobs that per-row call was most of the read's time. The same predicate in the
-- InitPlan form runs once per statement.
DROP POLICY key_jobs_read ON manufacturing_jobs;
CREATE POLICY key_jobs_read ON manufacturing_jobs FOR SELECT TO printforge_app USING ((SELECT public.app_has_scope('jobs:read')));
DROP POLICY key_jobs_read ON manufacturing_job_events;
CREATE POLICY key_jobs_read ON manufacturing_job_events FOR SELECT TO printforge_app USING ((SELECT public.app_has_scope('jobs:read')));
DROP POLICY key_printers_read ON printers;
CREATE POLICY key_printers_read ON printers FOR SELECT TO printforge_app USING ((SELECT public.app_has_scope('printers:read')));
DROP POLICY key_printers_read ON printer_status;
CREATE POLICY key_printers_read ON printer_status FOR SELECT TO printforge_app USING ((SELECT public.app_has_scope('printers:read')));

-- Audit rows of group staff are written as themselves: the 'user' context already appends as
-- actor type 'user' (audit_actor_is_self); nothing to change there.

-- ---------------------------------------------------------------------------------------------
-- Backups read the new forced-RLS tables too (same policy as 20261201080000_backup_read).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['printer_groups', 'printer_group_members', 'staff_group_roles']
  LOOP
    EXECUTE format(
      'CREATE POLICY backup_read ON public.%I FOR SELECT TO CURRENT_USER USING (current_setting(%L, true) = %L)',
      t, 'printforge.backup', 'on');
  END LOOP;
END $$;
