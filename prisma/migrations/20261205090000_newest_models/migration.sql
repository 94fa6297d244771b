-- The newest Bambu models (docs/bambu-protocol.md §1.2, §2.4, §3.6, §4.3): H2S, H2C, P2S, X2D and A2L.
-- Values are only added, never renamed or removed, so rows and enqueued jobs that name an older model
-- stay valid. PostgreSQL 12+ accepts ADD VALUE inside the migration's transaction; nothing here uses
-- the new values before commit.

-- AlterEnum
ALTER TYPE "BambuModel" ADD VALUE 'H2S';
ALTER TYPE "BambuModel" ADD VALUE 'H2C';
ALTER TYPE "BambuModel" ADD VALUE 'P2S';
ALTER TYPE "BambuModel" ADD VALUE 'X2D';
ALTER TYPE "BambuModel" ADD VALUE 'A2L';
