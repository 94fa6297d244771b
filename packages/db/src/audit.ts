import type { Tx } from './client.js'
import type { AuditActorType, Prisma } from './generated/prisma/client.js'

/** Every action the platform audits (docs/product.md §5.3). The database also checks the dotted format. */
export const AUDIT_ACTIONS = [
  'auth.failed',
  'job.created',
  'job.cancelled',
  'job.deleted',
  'file.uploaded',
  'file.downloaded',
  'scan.stored',
  'scan.failed',
  'quota.changed',
  'printer.registered',
  'printer.updated',
  'printer.deleted',
  'printer.controlled',
  'printer.leased',
  'printer.released',
  'manufacturing.created',
  'manufacturing.started',
  'manufacturing.completed',
  'manufacturing.failed',
  'manufacturing.cancelled',
  'staff.changed',
  'admin.access',
  'ratelimit.exceeded',
  'data.exported',
  'keys.rotated',
  'tokens.revoked',
  'backup.created',
  'backup.restored',
  'api_key.created',
  'api_key.revoked',
  'api_key.used',
  'order.created',
  'order.approved',
  'order.rejected',
  'order.in_production',
  'order.completed',
  'order.failed',
  'print_file.created',
  'print_file.deleted',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.replayed',
  'webhook.dead',
  'printer_group.created',
  'printer_group.renamed',
  'printer_group.deleted',
  'printer_group.printer_added',
  'printer_group.printer_removed',
  'printer_group.role_granted',
  'printer_group.role_revoked',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export interface AuditEntry {
  actorType: AuditActorType
  actorId?: string | null
  action: AuditAction
  targetType?: string
  targetId?: string
  ip?: string
  userAgent?: string
  requestId?: string
  /** Context for a human reader. Never secrets: keys that look like one are refused. */
  details?: Record<string, unknown>
}

/** Keys that must never be stored in an audit row, whatever their value. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|access_?code|api_?key|private_?key/i

function findSecretKey(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined
  for (const [key, child] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) return `${path}.${key}`
    const found = findSecretKey(child, `${path}.${key}`)
    if (found) return found
  }
  return undefined
}

const clip = (value: string | undefined | null, max: number) => (value == null ? null : value.slice(0, max))

/**
 * Appends one audit row inside the caller's transaction, so the action and its audit row commit
 * or roll back together: an action whose audit insert fails leaves no trace. The database assigns
 * id, time and the hash chain (trigger audit_log_chain).
 *
 * The chain trigger locks the chain head until the transaction ends, so write the audit row as
 * the transaction's last statement to keep that lock short.
 */
export async function writeAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  const secretPath = findSecretKey(entry.details, 'details')
  if (secretPath) throw new Error(`refusing to audit a secret-looking field: ${secretPath}`)
  // createMany issues INSERT without RETURNING: RETURNING would also require the row to pass the
  // SELECT policy, which an anonymous or customer context deliberately does not.
  await tx.auditLog.createMany({
    data: [
      {
        actorType: entry.actorType,
        actorId: clip(entry.actorId, 255),
        action: entry.action,
        targetType: clip(entry.targetType, 64),
        targetId: clip(entry.targetId, 255),
        ip: clip(entry.ip, 64),
        userAgent: clip(entry.userAgent, 512),
        requestId: clip(entry.requestId, 128),
        details: (entry.details ?? {}) as Prisma.InputJsonObject,
      },
    ],
  })
}
