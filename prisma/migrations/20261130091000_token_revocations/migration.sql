-- Token revocation (docs/product.md §2). Medusa cannot revoke a JWT before it expires (logout, password
-- reset and user deletion leave issued tokens valid for their lifetime), so the API keeps a
-- cut-off per actor: a token whose `iat` falls at or before the second of `revoked_before` is
-- refused. The API reads an actor's row with its role on every (cached) authentication.

-- CreateEnum
CREATE TYPE "TokenActorType" AS ENUM ('customer', 'user');

-- CreateTable
CREATE TABLE "token_revocations" (
    "actor_type" "TokenActorType" NOT NULL,
    "actor_id" VARCHAR(255) NOT NULL,
    "revoked_before" TIMESTAMPTZ(6) NOT NULL,
    "revoked_by" VARCHAR(255) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "token_revocations_pkey" PRIMARY KEY ("actor_type","actor_id")
);

-- Hand-written below: what Prisma's schema language cannot express.

-- printforge_app reads and upserts; no DELETE: a cut-off only ever moves forward, and a row older
-- than the longest token lifetime is simply inert. Analytics may read it.
GRANT SELECT, INSERT, UPDATE ON token_revocations TO printforge_app;
GRANT SELECT ON token_revocations TO printforge_readonly;

ALTER TABLE token_revocations ENABLE ROW LEVEL SECURITY;
ALTER TABLE token_revocations FORCE ROW LEVEL SECURITY;
-- The per-request lookup runs under the caller's own context: a customer context ('customer')
-- reads the customer row with its id, a Medusa user's lookup context ('user') the user row with
-- its id — never the other actor type's row that happens to share the id.
CREATE POLICY revocation_lookup ON token_revocations FOR SELECT TO printforge_app
  USING (
    actor_id = public.app_actor_id()
    AND ((public.app_role() = 'customer' AND actor_type = 'customer')
      OR (public.app_role() = 'user' AND actor_type = 'user'))
  );
-- Only admins and the system (ops commands) revoke, and read every row.
CREATE POLICY revocation_admin ON token_revocations FOR ALL TO printforge_app
  USING (public.app_is_admin()) WITH CHECK (public.app_is_admin());
CREATE POLICY analytics_read ON token_revocations FOR SELECT TO printforge_readonly USING (true);
