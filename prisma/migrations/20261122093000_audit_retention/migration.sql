-- Hand-written: audit-row retention (docs/product.md §5.3). Functions only; no table changes.
--
-- The audit log refuses UPDATE/DELETE/TRUNCATE for every role (grants and a statement trigger),
-- and audit_verify() starts the chain at audit_chain.anchor_hash. Pruning the oldest rows must
-- therefore (1) remove exactly a prefix of the chain, (2) move the anchor to the hash of the last
-- removed row so the rest still verifies, (3) be impossible to misuse for hiding recent history.
-- The maintenance worker exports the prefix to object storage first, then calls audit_prune().

CREATE FUNCTION public.audit_prune(p_through_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  head public.audit_chain%ROWTYPE;
  r public.audit_log;
  expected_prev text;
  newest timestamptz;
  removed bigint;
BEGIN
  IF p_through_id IS NULL OR p_through_id < 1 THEN
    RAISE EXCEPTION 'audit_prune: invalid row id %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Same lock order as an insert (the table, then the chain head): no deadlock with writers,
  -- and no insert can slip between the check and the re-anchoring.
  LOCK TABLE public.audit_log IN ACCESS EXCLUSIVE MODE;
  SELECT * INTO STRICT head FROM public.audit_chain WHERE id = 1 FOR UPDATE;
  IF p_through_id > head.last_id THEN
    RAISE EXCEPTION 'audit_prune: row % is beyond the chain head %', p_through_id, head.last_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- RLS is forced on audit_log and has no policy for the owner; lift it for this transaction
  -- only (DDL is transactional: nobody else ever sees it lifted), together with the trigger.
  ALTER TABLE public.audit_log NO FORCE ROW LEVEL SECURITY;
  ALTER TABLE public.audit_log DISABLE TRIGGER audit_log_append_only;

  SELECT max(at) INTO newest FROM public.audit_log WHERE id <= p_through_id;
  IF newest IS NULL THEN
    RAISE EXCEPTION 'audit_prune: no rows up to %', p_through_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Floor of AUDIT_RETENTION_DAYS: even a compromised app role cannot erase recent history.
  IF newest >= now() - interval '30 days' THEN
    RAISE EXCEPTION 'audit_prune: rows up to % include some newer than 30 days', p_through_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Never prune over a break: that would destroy the evidence audit_verify() exists to show.
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

REVOKE ALL ON FUNCTION public.audit_prune(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.audit_prune(bigint) TO printforge_app;
