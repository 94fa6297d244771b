-- Printer leases (docs/architecture.md, "Printer leases"): any number of worker processes share the
-- fleet; each printer's MQTT session is held by exactly one of them, under a lease with a fencing
-- token. Written only by workers (system); staff may read who holds what.

-- CreateTable
CREATE TABLE "worker_members" (
    "id" UUID NOT NULL,
    "host" VARCHAR(255) NOT NULL,
    "pid" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "worker_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "printer_leases" (
    "printer_id" UUID NOT NULL,
    "holder" UUID,
    "fence" BIGINT NOT NULL DEFAULT 0,
    "expires_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "acquired_at" TIMESTAMPTZ(3),

    CONSTRAINT "printer_leases_pkey" PRIMARY KEY ("printer_id")
);

-- CreateIndex
CREATE INDEX "worker_members_heartbeat_at_idx" ON "worker_members"("heartbeat_at");

-- CreateIndex
CREATE INDEX "printer_leases_holder_idx" ON "printer_leases"("holder");

-- AddForeignKey
ALTER TABLE "printer_leases" ADD CONSTRAINT "printer_leases_printer_id_fkey" FOREIGN KEY ("printer_id") REFERENCES "printers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Access: the worker (system) writes; staff read; analytics read; backups read.
GRANT SELECT, INSERT, UPDATE, DELETE ON worker_members, printer_leases TO printforge_app;
GRANT SELECT ON worker_members, printer_leases TO printforge_readonly;

ALTER TABLE worker_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE worker_members FORCE ROW LEVEL SECURITY;
ALTER TABLE printer_leases ENABLE ROW LEVEL SECURITY;
ALTER TABLE printer_leases FORCE ROW LEVEL SECURITY;

CREATE POLICY system_write ON worker_members FOR ALL TO printforge_app
  USING (public.app_role() = 'system') WITH CHECK (public.app_role() = 'system');
CREATE POLICY system_write ON printer_leases FOR ALL TO printforge_app
  USING (public.app_role() = 'system') WITH CHECK (public.app_role() = 'system');
CREATE POLICY staff_read ON worker_members FOR SELECT TO printforge_app USING (public.app_is_staff());
CREATE POLICY staff_read ON printer_leases FOR SELECT TO printforge_app USING (public.app_is_staff());
CREATE POLICY analytics_read ON worker_members FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON printer_leases FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY backup_read ON worker_members FOR SELECT TO CURRENT_USER USING (current_setting('printforge.backup', true) = 'on');
CREATE POLICY backup_read ON printer_leases FOR SELECT TO CURRENT_USER USING (current_setting('printforge.backup', true) = 'on');
