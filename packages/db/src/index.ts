export { createPrismaClient, createPool, PrismaClient, type Db, type Tx, type DatabaseSettings } from './client.js'
export { GuardedPool, DatabaseUnavailableError } from './pool.js'
export { watchDatabase, type DatabaseHealth, type HealthSettings } from './health.js'
export { createDatabase, readOnce, type Database } from './database.js'
export { hotRead, type HotRead } from './hot-reads.js'
export { withTx, SYSTEM_CONTEXT, ANONYMOUS_CONTEXT, type DbContext, type DbRole, type TxOptions } from './context.js'
export { writeAudit, AUDIT_ACTIONS, type AuditAction, type AuditEntry } from './audit.js'
export {
  verifyAuditChain,
  walkAuditChain,
  AuditVerifyIncomplete,
  DEFAULT_VERIFY_BATCH_ROWS,
  type AuditVerification,
  type AuditChainPosition,
  type AuditWalk,
  type VerifyChainOptions,
} from './audit-verify.js'
export {
  verifyAndRecordAuditChain,
  recordAuditVerification,
  loadVerifyCheckpoint,
  saveVerifyCheckpoint,
  type AuditVerificationSource,
  type VerifyCheckpoint,
} from './audit-verifications.js'
export { revokeTokens, type TokenRevocation } from './revocations.js'
export {
  sqlState,
  toAppError,
  isUniqueViolation,
  isForeignKeyViolation,
  isRecordNotFound,
  isPermissionDenied,
  isSerializationFailure,
  isDatabaseUnavailable,
  isInvalidInput,
} from './errors.js'
export { assertSafeAppRole, RLS_TABLES } from './role-check.js'
export { recordDeletions, recordUploadIntent, drainDeletions, type ObjectRemover, type DrainResult } from './deletions.js'
export { Prisma } from './generated/prisma/client.js'
export type * from './generated/prisma/models.js'
export * from './generated/prisma/enums.js'
