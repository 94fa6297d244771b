import type { paths } from '@printforge/client'

// The API's shapes, named once from the generated OpenAPI types (packages/client/src/schema.ts).
type Json<P extends keyof paths, M extends 'get' | 'post' | 'put', S extends number> =
  paths[P][M] extends { responses: Record<S, { content: { 'application/json': infer B } }> } ? B : never

export type Me = Json<'/me', 'get', 200>['me']
export type Role = Me['role']
export type Printer = Json<'/printers/{id}', 'get', 200>['printer']
export type PrinterModel = Printer['model']
export type PrinterCommand = NonNullable<paths['/printers/{id}/commands']['post']['requestBody']>['content']['application/json']['command']
export type ManufacturingJob = Json<'/manufacturing/{id}', 'get', 200>['manufacturingJob']
export type ManufacturingPage = Json<'/manufacturing/', 'get', 200>
export type ManufacturingStatus = ManufacturingJob['status']
export type ScanJobSummary = Json<'/jobs/', 'get', 200>['items'][number]
export type ScanJob = Json<'/jobs/{id}', 'get', 200>['job']
export type Order = Json<'/orders/{id}', 'get', 200>['order']
export type OrderStatus = Order['status']
export type PrintFile = Json<'/print-files/', 'get', 200>['items'][number]
export type AuditRow = Json<'/audit/', 'get', 200>['items'][number]
export type AuditPage = Json<'/audit/', 'get', 200>
export type StaffMember = Json<'/staff/', 'get', 200>['items'][number]
export type ApiKey = Json<'/api-keys/', 'get', 200>['items'][number]
export type ApiKeyScope = ApiKey['scopes'][number]
export type WebhookEndpoint = Json<'/webhooks/', 'get', 200>['items'][number]
export type WebhookEvent = NonNullable<paths['/webhooks/']['post']['requestBody']>['content']['application/json']['events'][number]
export type WebhookDelivery = Json<'/webhooks/{id}/deliveries', 'get', 200>['items'][number]
