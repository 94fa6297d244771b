export { createPrismaClient, PrismaClient, type Db, type Tx, type DatabaseSettings } from './client.js'
export { createDatabase, readOnce, type Database } from './database.js'
export { withTx, SYSTEM_CONTEXT, ANONYMOUS_CONTEXT, type DbContext, type DbRole, type TxOptions } from './context.js'
export {
  writeAudit,
  verifyAuditChain,
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditEntry,
  type AuditVerification,
} from './audit.js'
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
} from './errors.js'
export { assertSafeAppRole, RLS_TABLES } from './role-check.js'
export { Prisma } from './generated/prisma/client.js'
export type * from './generated/prisma/models.js'
export * from './generated/prisma/enums.js'
