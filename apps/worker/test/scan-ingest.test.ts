// scan.ingest with the worker's default SCAN_SANITIZE (lossless): see scan-ingest.cases.ts.
import { scanIngestCases } from './scan-ingest.cases.ts'

scanIngestCases({})
