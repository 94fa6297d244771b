-- Second security review: quota counts creations (finding 2), deletes are complete (findings 5
-- and 10), the sweeper stops retrying a job that keeps failing. Generated DDL first, then the
-- hand-written grants, row-level security and triggers.

-- AlterTable
ALTER TABLE "manufacturing_jobs" ADD COLUMN     "requeues" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "scan_jobs" ADD COLUMN     "requeues" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "quota_usage" (
    "customer_id" VARCHAR(255) NOT NULL,
    "period" DATE NOT NULL,
    "jobs_created" INTEGER NOT NULL,

    CONSTRAINT "quota_usage_pkey" PRIMARY KEY ("customer_id","period")
);

-- CreateTable
CREATE TABLE "object_deletions" (
    "id" BIGSERIAL NOT NULL,
    "key" VARCHAR(512) NOT NULL,
    "reason" VARCHAR(64) NOT NULL,
    "keep_if_job_id" UUID,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" VARCHAR(500),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "object_deletions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "object_deletions_next_attempt_at_idx" ON "object_deletions"("next_attempt_at");

-- ---------------------------------------------------------------------------------------------
-- Quota usage: counted by the database when a scan job is inserted, in the same transaction, and
-- never decremented. Nobody but this trigger writes it: the app role may only read it, so neither
-- a deleted job nor a compromised request can give quota back.
CREATE FUNCTION public.quota_usage_count() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
BEGIN
  INSERT INTO public.quota_usage (customer_id, period, jobs_created)
  VALUES (NEW.customer_id, date_trunc('month', NEW.created_at AT TIME ZONE 'UTC')::date, 1)
  ON CONFLICT (customer_id, period) DO UPDATE SET jobs_created = public.quota_usage.jobs_created + 1;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION public.quota_usage_count() FROM PUBLIC;

CREATE TRIGGER scan_jobs_count_usage AFTER INSERT ON scan_jobs
  FOR EACH ROW EXECUTE FUNCTION public.quota_usage_count();

GRANT SELECT ON quota_usage TO printforge_app, printforge_readonly;
ALTER TABLE quota_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE quota_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY usage_read ON quota_usage FOR SELECT TO printforge_app
  USING (public.app_is_staff() OR public.app_owns(customer_id));
CREATE POLICY analytics_read ON quota_usage FOR SELECT TO printforge_readonly USING (true);
-- The counting trigger runs as the owner (SECURITY DEFINER), which forced RLS binds too.
CREATE POLICY usage_count ON quota_usage FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);

-- Jobs created before this migration count for their month. RLS is lifted for the owner for the
-- length of this transaction only (DDL is transactional).
ALTER TABLE scan_jobs NO FORCE ROW LEVEL SECURITY;
INSERT INTO quota_usage (customer_id, period, jobs_created)
  SELECT customer_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date, count(*)
    FROM scan_jobs GROUP BY 1, 2;
ALTER TABLE scan_jobs FORCE ROW LEVEL SECURITY;

-- ---------------------------------------------------------------------------------------------
-- Deletion outbox. Keys are bounded to the shapes the platform writes, so no row can ask for a
-- whole bucket or another tenant's tree: a job's quarantine, a customer's job folder, a model.
ALTER TABLE object_deletions ADD CONSTRAINT object_deletions_key_shape CHECK (
  key ~ '^(quarantine/[A-Za-z0-9_-]+/|scans/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/|models/[A-Za-z0-9_-]+/)'
);

GRANT SELECT, INSERT, UPDATE, DELETE ON object_deletions TO printforge_app;
GRANT USAGE ON SEQUENCE object_deletions_id_seq TO printforge_app;
ALTER TABLE object_deletions ENABLE ROW LEVEL SECURITY;
ALTER TABLE object_deletions FORCE ROW LEVEL SECURITY;
-- A customer records deletions of its own jobs' objects only; admins those of quarantines and
-- models; the system (worker, API after commit) anything of the allowed shapes.
CREATE POLICY record_own ON object_deletions FOR INSERT TO printforge_app WITH CHECK (
  public.app_role() = 'system'
  OR (public.app_role() = 'admin' AND (key LIKE 'quarantine/%' OR key LIKE 'models/%'))
  OR (public.app_role() = 'customer' AND public.app_actor_id() IS NOT NULL
      AND (key LIKE 'quarantine/%' OR starts_with(key, 'scans/' || public.app_actor_id() || '/')))
);
-- Only the system drains the outbox.
CREATE POLICY system_drain ON object_deletions FOR ALL TO printforge_app
  USING (public.app_role() = 'system') WITH CHECK (public.app_role() = 'system');
