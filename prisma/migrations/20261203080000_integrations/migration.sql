-- Integrations (docs/integrations.md): API keys for machine clients, shop orders with an approval
-- gate, print files, outbound webhooks. Generated DDL first, then the hand-written rules.

-- CreateEnum
CREATE TYPE "OrderStatus" AS ENUM ('pending_review', 'approved', 'rejected', 'in_production', 'completed', 'failed');

-- CreateEnum
CREATE TYPE "OrderItemKind" AS ENUM ('scan', 'product');

-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('pending', 'delivered', 'dead');

-- AlterEnum
ALTER TYPE "AuditActorType" ADD VALUE 'api_key';

-- AlterTable
ALTER TABLE "manufacturing_jobs" ADD COLUMN     "order_item_id" UUID;

-- CreateTable
CREATE TABLE "api_keys" (
    "id" VARCHAR(16) NOT NULL,
    "name" VARCHAR(120) NOT NULL,
    "key_hash" CHAR(64) NOT NULL,
    "scopes" TEXT[],
    "allowed_cidrs" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" VARCHAR(255),
    "last_used_at" TIMESTAMPTZ(3),
    "last_used_ip" VARCHAR(64),
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "orders" (
    "id" UUID NOT NULL,
    "external_id" VARCHAR(255) NOT NULL,
    "display_id" VARCHAR(64),
    "customer_id" VARCHAR(255) NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'pending_review',
    "status_reason" VARCHAR(500),
    "notes" VARCHAR(2000),
    "request_hash" CHAR(64) NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "reviewed_by" VARCHAR(255),
    "reviewed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "order_items" (
    "id" UUID NOT NULL,
    "order_id" UUID NOT NULL,
    "customer_id" VARCHAR(255) NOT NULL,
    "external_id" VARCHAR(255),
    "kind" "OrderItemKind" NOT NULL,
    "scan_job_id" UUID,
    "product_ref" VARCHAR(255),
    "title" VARCHAR(255) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,

    CONSTRAINT "order_items_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "print_files" (
    "id" UUID NOT NULL,
    "product_ref" VARCHAR(255),
    "name" VARCHAR(120) NOT NULL,
    "requested_model" "BambuModel",
    "plate" INTEGER NOT NULL DEFAULT 1,
    "use_ams" BOOLEAN NOT NULL DEFAULT false,
    "ams_mapping" INTEGER[],
    "bed_leveling" BOOLEAN NOT NULL DEFAULT true,
    "timelapse" BOOLEAN NOT NULL DEFAULT false,
    "file_key" VARCHAR(512) NOT NULL,
    "file_name" VARCHAR(255) NOT NULL,
    "file_bytes" BIGINT NOT NULL,
    "file_sha256" CHAR(64) NOT NULL,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "print_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "description" VARCHAR(255),
    "events" TEXT[],
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_secrets" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "nonce" BYTEA NOT NULL,
    "key_id" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" VARCHAR(40) NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "event_id" VARCHAR(40) NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" VARCHAR(500),
    "response_snippet" VARCHAR(256),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "orders_external_id_key" ON "orders"("external_id");

-- CreateIndex
CREATE INDEX "orders_customer_id_created_at_id_idx" ON "orders"("customer_id", "created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "orders_status_created_at_idx" ON "orders"("status", "created_at");

-- CreateIndex
CREATE INDEX "order_items_scan_job_id_idx" ON "order_items"("scan_job_id");

-- CreateIndex
CREATE UNIQUE INDEX "order_items_order_id_position_key" ON "order_items"("order_id", "position");

-- CreateIndex
CREATE UNIQUE INDEX "print_files_product_ref_key" ON "print_files"("product_ref");

-- CreateIndex
CREATE INDEX "webhook_secrets_endpoint_id_idx" ON "webhook_secrets"("endpoint_id");

-- CreateIndex
CREATE INDEX "webhook_events_created_at_idx" ON "webhook_events"("created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_deliveries_event_id_endpoint_id_key" ON "webhook_deliveries"("event_id", "endpoint_id");

-- CreateIndex
CREATE INDEX "manufacturing_jobs_order_item_id_idx" ON "manufacturing_jobs"("order_item_id");

-- AddForeignKey
ALTER TABLE "manufacturing_jobs" ADD CONSTRAINT "manufacturing_jobs_order_item_id_fkey" FOREIGN KEY ("order_item_id") REFERENCES "order_items"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_scan_job_id_fkey" FOREIGN KEY ("scan_job_id") REFERENCES "scan_jobs"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_secrets" ADD CONSTRAINT "webhook_secrets_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written below: what Prisma's schema language cannot express.

-- ---------------------------------------------------------------------------------------------
-- Shapes. The scope list is the one in packages/domain/src/api-keys/scopes.ts (a test compares them);
-- the event types the one in packages/domain/src/webhooks/events.ts.
ALTER TABLE api_keys ADD CONSTRAINT api_keys_id_shape CHECK (id ~ '^[a-z2-7]{12}$');
ALTER TABLE api_keys ADD CONSTRAINT api_keys_hash_shape CHECK (key_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE api_keys ALTER COLUMN scopes SET NOT NULL, ALTER COLUMN allowed_cidrs SET NOT NULL;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_known CHECK (
  cardinality(scopes) > 0
  AND scopes <@ ARRAY['orders:write', 'orders:read', 'jobs:read', 'printers:read', 'webhooks:manage']::text[]
);
-- Casting validates every entry (an invalid CIDR fails the insert); at most 32 of them.
ALTER TABLE api_keys ADD CONSTRAINT api_keys_cidrs_valid CHECK (
  cardinality(allowed_cidrs) <= 32 AND allowed_cidrs::cidr[] IS NOT NULL
);

ALTER TABLE order_items ADD CONSTRAINT order_items_quantity CHECK (quantity BETWEEN 1 AND 1000);
ALTER TABLE order_items ADD CONSTRAINT order_items_kind_fields CHECK (
  (kind = 'product' AND product_ref IS NOT NULL AND scan_job_id IS NULL)
  OR (kind = 'scan' AND product_ref IS NULL)
);

ALTER TABLE print_files ALTER COLUMN ams_mapping SET NOT NULL;
ALTER TABLE print_files ADD CONSTRAINT print_files_key_shape CHECK (file_key ~ '^models/[A-Za-z0-9_-]+/');

ALTER TABLE webhook_endpoints ALTER COLUMN events SET NOT NULL;
-- https, or plain http for a WEBHOOK_DEV_TARGETS target (tests, a local Medusa): which targets
-- are allowed is the API's and the worker's check (packages/domain/src/webhooks/target.ts); the
-- worker checks again at every connect, so a row edited here cannot reach a private host either.
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_http_url CHECK (url ~ '^https?://');
ALTER TABLE webhook_endpoints ADD CONSTRAINT webhook_endpoints_events_known CHECK (
  cardinality(events) > 0
  AND events <@ ARRAY['scan.stored', 'scan.failed', 'order.status_changed', 'manufacturing.status_changed',
                      'printer.offline', 'printer.error']::text[]
);
ALTER TABLE webhook_events ADD CONSTRAINT webhook_events_id_shape CHECK (id ~ '^msg_[0-9a-f]{32}$');

-- ---------------------------------------------------------------------------------------------
-- API key contexts. A request authenticated by a key runs with app.role = 'api_key' and
-- app.actor_id = the key's public id. What it may reach is decided here from the key's row — not
-- from anything the application passes — so a revoked, expired or narrower key loses its rights
-- in the database at the same moment as in the API.
CREATE FUNCTION public.app_has_scope(p_scope text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT COALESCE(public.app_role() = 'api_key' AND EXISTS (
    SELECT 1 FROM public.api_keys k
     WHERE k.id = public.app_actor_id() AND k.revoked_at IS NULL
       AND (k.expires_at IS NULL OR k.expires_at > now()) AND p_scope = ANY (k.scopes)
  ), false)
$$;
REVOKE ALL ON FUNCTION public.app_has_scope(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_has_scope(text) TO printforge_app;

-- Last use, at most once a minute per key, so authentication is not a write per request.
CREATE FUNCTION public.api_key_touch(p_ip text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE public.api_keys SET last_used_at = now(), last_used_ip = left(p_ip, 64)
   WHERE public.app_role() = 'api_key' AND id = public.app_actor_id()
     AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
$$;
REVOKE ALL ON FUNCTION public.api_key_touch(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.api_key_touch(text) TO printforge_app;

GRANT SELECT, INSERT, UPDATE ON api_keys TO printforge_app;
GRANT SELECT (id, name, scopes, allowed_cidrs, expires_at, revoked_at, revoked_by, last_used_at, created_by, created_at)
  ON api_keys TO printforge_readonly;
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
-- Admins and the system (ops CLI) create, list and revoke; keys are never deleted (the audit names them).
CREATE POLICY admin_manage ON api_keys FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());
-- Authentication reads the presented key's own row, under that key's context.
CREATE POLICY key_lookup ON api_keys FOR SELECT TO printforge_app
  USING (public.app_role() = 'api_key' AND id = public.app_actor_id());
-- app_has_scope and api_key_touch run as the owner, which forced RLS binds too.
CREATE POLICY definer_access ON api_keys FOR ALL TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY analytics_read ON api_keys FOR SELECT TO printforge_readonly USING (true);

-- Audit rows of a key's requests name the key as the actor, and only that key.
CREATE OR REPLACE FUNCTION public.audit_actor_is_self(p_type text, p_id text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT COALESCE(CASE public.app_role()
    WHEN 'customer'  THEN p_type = 'customer' AND p_id = public.app_actor_id()
    WHEN 'user'      THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'operator'  THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'admin'     THEN p_type = 'user' AND p_id = public.app_actor_id()
    WHEN 'system'    THEN p_type = 'system' AND p_id = public.app_actor_id()
    WHEN 'api_key'   THEN p_type = 'api_key' AND p_id = public.app_actor_id()
    WHEN 'anonymous' THEN p_type = 'anonymous' AND p_id IS NULL AND public.app_actor_id() IS NULL
  END, false)
$$;

-- What a key's scopes reach beyond the integration tables: reads only.
CREATE POLICY key_jobs_read ON scan_jobs FOR SELECT TO printforge_app USING (public.app_has_scope('jobs:read'));
CREATE POLICY key_jobs_read ON scan_images FOR SELECT TO printforge_app USING (public.app_has_scope('jobs:read'));
CREATE POLICY key_jobs_read ON manufacturing_jobs FOR SELECT TO printforge_app USING (public.app_has_scope('jobs:read'));
CREATE POLICY key_jobs_read ON manufacturing_job_events FOR SELECT TO printforge_app USING (public.app_has_scope('jobs:read'));
CREATE POLICY key_printers_read ON printers FOR SELECT TO printforge_app USING (public.app_has_scope('printers:read'));
CREATE POLICY key_printers_read ON printer_status FOR SELECT TO printforge_app USING (public.app_has_scope('printers:read'));

-- ---------------------------------------------------------------------------------------------
-- Orders: customer data, like scan jobs.
GRANT SELECT, INSERT, UPDATE ON orders, order_items TO printforge_app;
GRANT SELECT ON orders, order_items TO printforge_readonly;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE orders FORCE ROW LEVEL SECURITY;
ALTER TABLE order_items ENABLE ROW LEVEL SECURITY;
ALTER TABLE order_items FORCE ROW LEVEL SECURITY;

CREATE POLICY order_read ON orders FOR SELECT TO printforge_app USING (
  public.app_is_staff() OR public.app_owns(customer_id)
  OR public.app_has_scope('orders:read') OR public.app_has_scope('orders:write')
);
-- The shop records orders (awaiting review, nothing else); the system may too (ops).
CREATE POLICY order_record ON orders FOR INSERT TO printforge_app WITH CHECK (
  status = 'pending_review' AND (public.app_has_scope('orders:write') OR public.app_role() = 'system')
);
-- Admins review; the print jobs' progress (the worker as system, an operator's cancel) moves an
-- approved order on to production and its end — never back into review or to approval.
CREATE POLICY order_review ON orders FOR UPDATE TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());
CREATE POLICY order_progress ON orders FOR UPDATE TO printforge_app
  USING (public.app_role() = 'operator' AND status IN ('approved', 'in_production'))
  WITH CHECK (public.app_role() = 'operator' AND status IN ('in_production', 'completed', 'failed'));
CREATE POLICY analytics_read ON orders FOR SELECT TO printforge_readonly USING (true);

CREATE POLICY item_read ON order_items FOR SELECT TO printforge_app USING (
  public.app_is_staff() OR public.app_owns(customer_id)
  OR public.app_has_scope('orders:read') OR public.app_has_scope('orders:write')
);
CREATE POLICY item_record ON order_items FOR INSERT TO printforge_app WITH CHECK (
  public.app_has_scope('orders:write') OR public.app_role() = 'system'
);
CREATE POLICY analytics_read ON order_items FOR SELECT TO printforge_readonly USING (true);

-- An order line may name only its own customer's scan, and items are recorded with their order
-- (pending review) only. The scan is read as the owner (SECURITY DEFINER): the shop's key has no
-- right to read scan jobs, and must not learn whether another customer's id exists (same error).
CREATE POLICY definer_lookup ON scan_jobs FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.definer_lookup', true) = 'on');
CREATE POLICY definer_lookup ON orders FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.definer_lookup', true) = 'on');
CREATE FUNCTION public.order_items_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE owner text; order_customer text; order_status text;
BEGIN
  PERFORM set_config('printforge.definer_lookup', 'on', true);
  SELECT o.customer_id, o.status::text INTO order_customer, order_status FROM public.orders o WHERE o.id = NEW.order_id;
  IF NEW.kind = 'scan' THEN
    SELECT j.customer_id INTO owner FROM public.scan_jobs j WHERE j.id = NEW.scan_job_id;
  END IF;
  PERFORM set_config('printforge.definer_lookup', 'off', true);
  IF order_customer IS NULL OR order_customer <> NEW.customer_id OR order_status <> 'pending_review' THEN
    RAISE EXCEPTION 'order item % does not belong to a pending order of its customer', NEW.id USING ERRCODE = '23514';
  END IF;
  IF NEW.kind = 'scan' AND (NEW.scan_job_id IS NULL OR owner IS DISTINCT FROM NEW.customer_id) THEN
    RAISE EXCEPTION 'order item % names a scan job that is not its customer''s', NEW.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER order_items_check BEFORE INSERT ON order_items FOR EACH ROW EXECUTE FUNCTION public.order_items_check();

-- A print job joins an order line only while the order is approved or in production (the approval
-- creates them); a job is never moved to another line.
CREATE FUNCTION public.manufacturing_jobs_order_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE order_status text;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.order_item_id IS NOT NULL AND NEW.order_item_id IS DISTINCT FROM OLD.order_item_id
     AND NEW.order_item_id IS NOT NULL THEN
    RAISE EXCEPTION 'print job % already belongs to an order line', NEW.id USING ERRCODE = '23514';
  END IF;
  IF NEW.order_item_id IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.order_item_id IS NULL) THEN
    PERFORM set_config('printforge.definer_lookup', 'on', true);
    SELECT o.status::text INTO order_status FROM public.order_items i JOIN public.orders o ON o.id = i.order_id
     WHERE i.id = NEW.order_item_id;
    PERFORM set_config('printforge.definer_lookup', 'off', true);
    IF order_status IS NULL OR order_status NOT IN ('approved', 'in_production') THEN
      RAISE EXCEPTION 'print job % cannot join an order that is not approved', NEW.id USING ERRCODE = '23514';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE POLICY definer_lookup ON order_items FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.definer_lookup', true) = 'on');
CREATE TRIGGER manufacturing_jobs_order_check BEFORE INSERT OR UPDATE OF order_item_id ON manufacturing_jobs
  FOR EACH ROW EXECUTE FUNCTION public.manufacturing_jobs_order_check();

-- ---------------------------------------------------------------------------------------------
-- Print files: staff read them, admins manage them.
GRANT SELECT, INSERT, UPDATE, DELETE ON print_files TO printforge_app;
GRANT SELECT ON print_files TO printforge_readonly;
ALTER TABLE print_files ENABLE ROW LEVEL SECURITY;
ALTER TABLE print_files FORCE ROW LEVEL SECURITY;
CREATE POLICY staff_read ON print_files FOR SELECT TO printforge_app USING (public.app_is_staff());
CREATE POLICY admin_write ON print_files FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());
CREATE POLICY analytics_read ON print_files FOR SELECT TO printforge_readonly USING (true);

-- ---------------------------------------------------------------------------------------------
-- Webhooks. Admins and keys with webhooks:manage manage endpoints and read deliveries; the worker
-- (system) sends and records attempts. Events are written only through webhook_emit, by whoever
-- makes the change, in the change's own transaction.
GRANT SELECT, INSERT, UPDATE, DELETE ON webhook_endpoints, webhook_secrets TO printforge_app;
GRANT SELECT ON webhook_events TO printforge_app;
GRANT SELECT, UPDATE ON webhook_deliveries TO printforge_app;
GRANT SELECT (id, url, description, events, enabled, created_by, created_at, updated_at) ON webhook_endpoints TO printforge_readonly;
GRANT SELECT ON webhook_events, webhook_deliveries TO printforge_readonly;

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_secrets FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_events FORCE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;

CREATE POLICY manage ON webhook_endpoints FOR ALL TO printforge_app
  USING (public.app_is_admin() OR public.app_has_scope('webhooks:manage'))
  WITH CHECK (public.app_is_admin() OR public.app_has_scope('webhooks:manage'));
CREATE POLICY manage ON webhook_secrets FOR ALL TO printforge_app
  USING (public.app_is_admin() OR public.app_has_scope('webhooks:manage'))
  WITH CHECK (public.app_is_admin() OR public.app_has_scope('webhooks:manage'));
CREATE POLICY manage_read ON webhook_events FOR SELECT TO printforge_app
  USING (public.app_is_admin() OR public.app_has_scope('webhooks:manage'));
CREATE POLICY manage_read ON webhook_deliveries FOR SELECT TO printforge_app
  USING (public.app_is_admin() OR public.app_has_scope('webhooks:manage'));
-- Replay (back to pending) by whoever manages; attempts recorded by the worker (system is admin).
CREATE POLICY manage_update ON webhook_deliveries FOR UPDATE TO printforge_app
  USING (public.app_is_admin() OR public.app_has_scope('webhooks:manage'))
  WITH CHECK (public.app_is_admin() OR public.app_has_scope('webhooks:manage'));
CREATE POLICY analytics_read ON webhook_endpoints FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON webhook_events FOR SELECT TO printforge_readonly USING (true);
CREATE POLICY analytics_read ON webhook_deliveries FOR SELECT TO printforge_readonly USING (true);

CREATE POLICY definer_emit ON webhook_endpoints FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.webhook_emit', true) = 'on');
CREATE POLICY definer_emit ON webhook_events FOR INSERT TO CURRENT_USER
  WITH CHECK (current_setting('printforge.webhook_emit', true) = 'on');
CREATE POLICY definer_emit ON webhook_deliveries FOR INSERT TO CURRENT_USER
  WITH CHECK (current_setting('printforge.webhook_emit', true) = 'on');
CREATE POLICY definer_emit_read ON webhook_deliveries FOR SELECT TO CURRENT_USER
  USING (current_setting('printforge.webhook_emit', true) = 'on');

-- Records one event and a pending delivery for every enabled endpoint subscribed to its type, and
-- wakes the worker's delivery dispatcher: a NOTIFY is delivered at commit (never for a rollback),
-- and the dispatcher also polls, so a lost notification only delays. Producers need not enqueue
-- anything. Returns the deliveries' ids (informational). Any identified context may emit: the
-- event reports the caller's own change.
CREATE FUNCTION public.webhook_emit(p_type text, p_data jsonb) RETURNS uuid[]
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_event text := 'msg_' || replace(gen_random_uuid()::text, '-', ''); ids uuid[];
BEGIN
  IF public.app_role() IS NULL OR public.app_role() = 'anonymous' THEN
    RAISE EXCEPTION 'webhook_emit needs an identified context' USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('printforge.webhook_emit', 'on', true);
  INSERT INTO public.webhook_events (id, type, payload)
    VALUES (v_event, p_type, jsonb_build_object(
      'type', p_type,
      'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', p_data));
  WITH made AS (
    INSERT INTO public.webhook_deliveries (id, event_id, endpoint_id)
    SELECT gen_random_uuid(), v_event, e.id FROM public.webhook_endpoints e
     WHERE e.enabled AND p_type = ANY (e.events)
    RETURNING id
  ) SELECT COALESCE(array_agg(id), '{}') INTO ids FROM made;
  PERFORM set_config('printforge.webhook_emit', 'off', true);
  IF cardinality(ids) > 0 THEN
    PERFORM pg_notify('printforge_webhooks', '');
  END IF;
  RETURN ids;
END $$;
REVOKE ALL ON FUNCTION public.webhook_emit(text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.webhook_emit(text, jsonb) TO printforge_app;

-- ---------------------------------------------------------------------------------------------
-- Backups read every new forced-RLS table too (same policy as 20261201080000_backup_read).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_keys', 'orders', 'order_items', 'print_files', 'webhook_endpoints',
                           'webhook_secrets', 'webhook_events', 'webhook_deliveries']
  LOOP
    EXECUTE format(
      'CREATE POLICY backup_read ON public.%I FOR SELECT TO CURRENT_USER USING (current_setting(%L, true) = %L)',
      t, 'printforge.backup', 'on');
  END LOOP;
END $$;
