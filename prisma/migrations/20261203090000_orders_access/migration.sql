-- Three gaps in 20261203080000_integrations, found while building orders (docs/integrations.md "Orders").

-- Admins may record an order by hand (POST /orders: roles ['admin'], scopes ['orders:write'];
-- docs/integrations.md "Orders"). 20261203080000_integrations let only a key with orders:write
-- and the system insert orders and their items, so an admin's POST /orders failed its RLS check.
-- Still only pending_review orders: recording never skips the review.
DROP POLICY order_record ON orders;
CREATE POLICY order_record ON orders FOR INSERT TO printforge_app WITH CHECK (
  status = 'pending_review' AND (public.app_has_scope('orders:write') OR public.app_is_admin())
);
DROP POLICY item_record ON order_items;
CREATE POLICY item_record ON order_items FOR INSERT TO printforge_app WITH CHECK (
  public.app_has_scope('orders:write') OR public.app_is_admin()
);

-- The order view lists each line's print jobs (id, status, progress) to whoever may read the order:
-- its customer and keys with orders:read or orders:write, who otherwise read no print jobs. A job
-- is readable when its order line is: the subquery runs under the caller's own order_items
-- policies, so it grants exactly what the order itself grants, and nothing for unlinked jobs.
CREATE POLICY order_read ON manufacturing_jobs FOR SELECT TO printforge_app USING (
  order_item_id IS NOT NULL AND EXISTS (SELECT 1 FROM public.order_items i WHERE i.id = manufacturing_jobs.order_item_id)
);

-- The integration actions print_file.* and api_key.* (packages/db/src/audit.ts) have an underscore
-- in their first segment, which the original format check refused (every such audit insert failed).
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_format;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_format CHECK (action ~ '^[a-z][a-z_]*(\.[a-z_]+)+$');
