// The business rules of PrintForge in one place (docs/architecture.md): per aggregate its states,
// allowed transitions and repository functions. API, worker and CLI call these; none of them
// writes these tables' status columns or touches a sealed access code directly.
export { SYSTEM_ACTOR, type Actor, type RequestMeta } from './actor.js'
export * from './idempotency.js'
export { creatingRequestId, type CorrelatedTarget } from './correlation.js'

export * from './manufacturing/states.js'
export { movePrintJob, applyPrintMove, failPrintJob, type PrintTransition, type MoveResult } from './manufacturing/transition.js'
export { claimPrinter, printerHasActiveJob, type ClaimResult, type ClaimHooks } from './manufacturing/claim.js'
export * from './manufacturing/jobs.js'

export * from './scans/states.js'
export { moveScanJob } from './scans/transition.js'
export * from './scans/jobs.js'
export * from './scans/images.js'

export * from './printers/access-codes.js'
export * from './printers/registry.js'
export { BUSY_STATES as PRINTER_BUSY_STATES, BUSY_STATE_LIST as PRINTER_BUSY_STATE_LIST, FAILED_STATE as PRINTER_FAILED_STATE } from '@printforge/bambu/gcode-states'

export * from './api-keys/scopes.js'
export * from './api-keys/key-format.js'
export * from './api-keys/cidrs.js'
export * from './api-keys/manage.js'
export * from './webhooks/events.js'
export * from './orders/states.js'
export { lockOrder, moveOrder, type LockedOrder, type OrderMove } from './orders/move.js'
export { readOrder, toOrderView, ORDER_VIEW_INCLUDE, type OrderView, type OrderRow } from './orders/view.js'
export { recordOrder, orderRequestHash, ORDER_MAX_ITEMS, ORDER_MAX_QUANTITY, type NewOrder, type NewOrderItem, type RecordedOrder } from './orders/create.js'
export { planApproval, approveOrder, rejectOrder, type PlannedLine, type Approval } from './orders/review.js'
export { settleOrderOfJob, type SettledJobMove } from './orders/settle.js'
export { createPrintFile, deletePrintFile, PRINT_FILE_VIEW_SELECT, type NewPrintFile } from './orders/print-files.js'
export * from './webhooks/target.js'
export { generateWebhookSecret, signingSecretsOf } from './webhooks/secrets.js'
export * from './webhooks/endpoints.js'
export * from './webhooks/deliveries.js'
export { emitScanFinished, emitPrinterTransitions, type PrinterStatusSnapshot } from './webhooks/emitters.js'
export * from './filaments/index.js'
