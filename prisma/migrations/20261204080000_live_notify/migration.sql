-- Live updates for the staff console (docs/console.md, "GET /live — the live stream"). Every change
-- a staff page shows NOTIFYs `printforge_live` with the changed row's kind and id — ids only, never
-- data: each API instance LISTENs on one connection, and each stream reads the row again under its
-- own caller's context, so a notification can never show anyone more than the REST routes do.
-- A NOTIFY is delivered at commit (never for a rollback), and identical ones within a transaction
-- are delivered once. Nothing to express in schema.prisma: Prisma does not model triggers.

-- Not SECURITY DEFINER: NOTIFY needs no privilege, and the function touches no table.
CREATE FUNCTION public.live_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE v_id uuid;
BEGIN
  IF TG_TABLE_NAME = 'printer_status' THEN
    v_id := NEW.printer_id;
  ELSIF TG_OP = 'DELETE' THEN
    v_id := OLD.id;
  ELSE
    v_id := NEW.id;
  END IF;
  PERFORM pg_notify('printforge_live', json_build_object('kind', TG_ARGV[0], 'id', v_id)::text);
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION public.live_notify() FROM PUBLIC;

-- The worker's status writes: online/offline, temperatures, progress, errors. An UPDATE that
-- changes nothing notifies nobody.
CREATE TRIGGER printer_status_live AFTER INSERT ON printer_status
  FOR EACH ROW EXECUTE FUNCTION public.live_notify('printer');
CREATE TRIGGER printer_status_live_update AFTER UPDATE ON printer_status
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION public.live_notify('printer');

-- Registration, a rename, a new host; a removal too (a stream's read then finds nothing and skips
-- it; the console reloads its list on every `ready`).
CREATE TRIGGER printers_live AFTER INSERT OR DELETE ON printers
  FOR EACH ROW EXECUTE FUNCTION public.live_notify('printer');
CREATE TRIGGER printers_live_update AFTER UPDATE ON printers
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION public.live_notify('printer');

-- Print jobs: dispatch, every state transition, progress, the printer a job is assigned to.
CREATE TRIGGER manufacturing_jobs_live AFTER INSERT ON manufacturing_jobs
  FOR EACH ROW EXECUTE FUNCTION public.live_notify('manufacturing');
CREATE TRIGGER manufacturing_jobs_live_update AFTER UPDATE ON manufacturing_jobs
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION public.live_notify('manufacturing');
