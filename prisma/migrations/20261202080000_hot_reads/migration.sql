-- Hand-written: the API's hot read (GET /jobs/:id, docs/product.md §10) as plpgsql functions.
--
-- Why functions: sent as one unprepared multi-statement message (BEGIN; set_config ×2; SELECT;
-- COMMIT), the detail query was parsed and planned on every request. pg_stat_statements on the API
-- bench showed planning at ~80 % of that statement's server time (plan 0.29 ms, execution 0.06 ms
-- per call). plpgsql caches each statement's plan per session, and the API calls the function as a
-- named prepared statement, so a pooled connection parses and plans it once.
--
-- Why the context is set inside: one statement is its own (implicit) transaction, so the
-- transaction-local set_config calls below end with it and never leak to the next user of the
-- pooled connection, and the RLS context is in force before the query runs (statements of a
-- plpgsql body run in order). The policies are unchanged: both functions are SECURITY INVOKER, so
-- printforge_app's row-level security applies to every row they read.

-- The detail of one scan job and its images. Called by read_scan_job_as (customers) and, inside
-- their audited transaction, by staff reads: the one home of this query.
CREATE FUNCTION public.scan_job_detail(job uuid, owner_filter text)
RETURNS TABLE (
  id uuid, customer_id varchar, title varchar, notes varchar, status text, image_count integer,
  failure_reason varchar, created_at timestamptz, updated_at timestamptz, images json
)
LANGUAGE plpgsql STABLE SECURITY INVOKER AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT j.id, j.customer_id, j.title, j.notes, j.status::text, j.image_count, j.failure_reason, j.created_at, j.updated_at,
         COALESCE(json_agg(json_build_object(
           'id', i.id, 'filename', i.original_filename, 'bytes', i.bytes, 'width', i.width, 'height', i.height,
           'sha256', i.sha256, 'status', i.status, 'failureReason', i.failure_reason
         ) ORDER BY i.created_at, i.id) FILTER (WHERE i.id IS NOT NULL), '[]')
    FROM public.scan_jobs j LEFT JOIN public.scan_images i ON i.job_id = j.id
   WHERE j.id = job AND (owner_filter IS NULL OR j.customer_id = owner_filter)
   GROUP BY j.id;
END $$;

-- The request's whole read: its RLS context, read-only, then the query. Only meaningful as a
-- statement of its own (packages/db/src/hot-reads.ts); inside a longer transaction it would set
-- that transaction's context and make it read-only, which is why only the pool path calls it.
CREATE FUNCTION public.read_scan_job_as(actor text, role text, job uuid, owner_filter text)
RETURNS TABLE (
  id uuid, customer_id varchar, title varchar, notes varchar, status text, image_count integer,
  failure_reason varchar, created_at timestamptz, updated_at timestamptz, images json
)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
BEGIN
  PERFORM set_config('transaction_read_only', 'on', true),
          set_config('app.actor_id', COALESCE(actor, ''), true),
          set_config('app.role', COALESCE(role, ''), true);
  RETURN QUERY SELECT * FROM public.scan_job_detail(job, owner_filter);
END $$;

REVOKE ALL ON FUNCTION public.scan_job_detail(uuid, text), public.read_scan_job_as(text, text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.scan_job_detail(uuid, text), public.read_scan_job_as(text, text, uuid, text) TO printforge_app;
