// The few pieces of Medusa's API this plugin touches, typed here instead of imported: the plugin
// has no runtime dependency on Medusa (it reaches everything through the container Medusa hands
// it, by registration name), so it type-checks and builds without Medusa's ~1,000 packages in the
// monorepo. The shapes follow @medusajs/framework 2.x (SubscriberArgs, MedusaContainer,
// MedusaRequest/MedusaResponse, the Query and the order module's service); the e2e test runs the
// built plugin inside a real Medusa, which is what proves they match.

export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface MedusaContainer {
  resolve<T = unknown>(key: string): T
}

/** `container.resolve('query')`: Medusa's Query (`query.graph`). */
export interface Query {
  graph(input: { entity: string; fields: string[]; filters?: Record<string, unknown>; pagination?: { take?: number; skip?: number; order?: Record<string, 'ASC' | 'DESC'> } }): Promise<{ data: Record<string, unknown>[] }>
}

/** `container.resolve('order')`: the order module's service (only what the plugin calls). */
export interface OrderModuleService {
  listOrders(filters: { id: string }, config: { relations: string[] }): Promise<unknown[]>
  updateOrders(orderId: string, data: { metadata: Record<string, unknown> }): Promise<unknown>
}

/** `container.resolve('configModule')`: the parsed medusa-config. */
export interface ConfigModule {
  plugins?: Array<string | { resolve: string; options?: Record<string, unknown> }>
}

export interface SubscriberArgs<T> {
  event: { name: string; data: T }
  container: MedusaContainer
  pluginOptions?: Record<string, unknown>
}

export interface SubscriberConfig {
  event: string | string[]
  context?: { subscriberId?: string }
}

export interface MedusaRequest {
  scope: MedusaContainer
  headers: Record<string, string | string[] | undefined>
  /** Set by the JSON body parser when the route's middleware config asks for `preserveRawBody`. */
  rawBody?: Buffer
}

export interface MedusaResponse {
  status(code: number): MedusaResponse
  json(body: unknown): void
}

export interface MiddlewaresConfig {
  routes: Array<{ matcher: string; methods?: string[]; bodyParser?: false | { preserveRawBody?: boolean; sizeLimit?: string | number } }>
}
