import { parseDevTargets } from '@printforge/config'
import { parsePrinterKeys } from '@printforge/printer-keys'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { acquireUploadSlot } from '../../lib/upload-slots.js'
import { createApiKeyService, type ApiKeyService } from '../../services/api-keys.service.js'
import { createAccountService, type AccountService } from '../../services/account.service.js'
import { createAuditQueryService, type AuditQueryService } from '../../services/audit-query.service.js'
import { createManufacturingService, type ManufacturingService } from '../../services/manufacturing.service.js'
import { createOrderService, type OrderService } from '../../services/orders.service.js'
import { createPrintFileService, type PrintFileService } from '../../services/print-files.service.js'
import { createPrinterGroupService, type PrinterGroupService } from '../../services/printer-groups.service.js'
import { createPrinterService, type PrinterService } from '../../services/printers.service.js'
import { createQuotaService, type QuotaService } from '../../services/quota.service.js'
import { createScanJobService, type ScanJobService } from '../../services/scan-jobs.service.js'
import { createScanUploadService, type ScanUploadService } from '../../services/scan-upload.service.js'
import { createStaffService, type StaffService } from '../../services/staff.service.js'
import { createStatsService, type StatsService } from '../../services/stats.service.js'
import { createTokenRevocationService, type TokenRevocationService } from '../../services/token-revocations.service.js'
import { createWebhookService, type WebhookService } from '../../services/webhooks.service.js'

declare module 'fastify' {
  interface FastifyInstance {
    services: {
      scanJobs: ScanJobService
      scanUploads: ScanUploadService
      quota: QuotaService
      staff: StaffService
      account: AccountService
      audit: AuditQueryService
      stats: StatsService
      printers: PrinterService
      printerGroups: PrinterGroupService
      manufacturing: ManufacturingService
      tokens: TokenRevocationService
      orders: OrderService
      printFiles: PrintFileService
      webhooks: WebhookService
      apiKeys: ApiKeyService
    }
  }
}

/** Each service receives only what it uses (narrow Picks); routes call services, never the database. */
export default fp(
  async (app: FastifyInstance) => {
    const { db, store, config } = app
    const defaultQuota = config.DEFAULT_MONTHLY_QUOTA
    const enqueue = app.queues.enqueueAfterCommit
    const scanJobs = createScanJobService({ db, store })
    // Object removals started after an answer finish before the pool closes (bounded by the S3
    // client's own timeouts); anything they leave stays in the outbox for the worker.
    app.addHook('onClose', () => scanJobs.idle())
    app.decorate('services', {
      scanJobs,
      scanUploads: createScanUploadService({
        db, store, enqueue, defaultQuota, log: app.log,
        takeSlot: (slotKey) => acquireUploadSlot(app.redis.fast, slotKey),
      }),
      quota: createQuotaService({ db, defaultLimit: defaultQuota }),
      staff: createStaffService({ db, roles: app.roles }),
      printerGroups: createPrinterGroupService({ db, roles: app.roles }),
      account: createAccountService({ db, defaultQuota }),
      audit: createAuditQueryService({ db }),
      stats: createStatsService({ db, queues: app.queues.raw }),
      manufacturing: createManufacturingService({ db, store, enqueue }),
      tokens: createTokenRevocationService({ db, roles: app.roles }),
      orders: createOrderService({ db, store, enqueue }),
      printFiles: createPrintFileService({ db, store, log: app.log }),
      apiKeys: createApiKeyService({ db, keys: app.apiKeys }),
      printers: createPrinterService({ db, keyring: parsePrinterKeys(config.PRINTER_KEYS), enqueue }),
      webhooks: createWebhookService({ db, keyring: parsePrinterKeys(config.PRINTER_KEYS), policy: { devTargets: parseDevTargets(config.WEBHOOK_DEV_TARGETS).targets } }),
    })
  },
  { name: 'services', dependencies: ['database', 'storage', 'queues', 'redis', 'auth'] },
)
