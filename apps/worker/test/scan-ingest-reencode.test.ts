// scan.ingest with SCAN_SANITIZE=reencode, the fallback: same guarantees (scan-ingest.cases.ts).
import { scanIngestCases } from './scan-ingest.cases.ts'

scanIngestCases({ SCAN_SANITIZE: 'reencode' })
