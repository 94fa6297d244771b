-- Filament-aware dispatch (docs/bambu-protocol.md §2.4, §3.6).
-- What a sliced model's plate needs, read from its Metadata/slice_info.config at upload:
-- {"slots": <project filament count>, "filaments": [{"slot", "type", "color"}]}; NULL when the
-- archive carries no filament metadata (such a model dispatches as before, unchecked).
-- The tables' grants are table-wide and their row policies unchanged: the new columns are read
-- and written exactly as their neighbours (staff read, admins write print_files; the system
-- writes manufacturing_jobs and printer_status).
ALTER TABLE print_files ADD COLUMN filaments jsonb;
ALTER TABLE manufacturing_jobs ADD COLUMN filaments jsonb;
-- The AMS trays and external spool a printer reports, written by the worker's status writer:
-- [{"amsId", "trayId", "type", "color" (RRGGBBAA), "remain" (%, null unknown), "external"}].
ALTER TABLE printer_status ADD COLUMN ams jsonb NOT NULL DEFAULT '[]';
