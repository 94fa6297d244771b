/**
 * The route table as the running app documents it: every operation of `app.swagger()`, with the
 * roles its auth hook enforces (`x-roles`, from `config.roles`). Read from the app, never from
 * source files, so the table follows whatever registers the routes.
 */

export type Role = 'customer' | 'none' | 'operator' | 'admin' | 'group_operator' | 'group_admin'
/**
 * Every role a caller can hold; 'none' is a Medusa user without a staff row; group_* a user with a
 * role in a printer group only (docs/product.md §5.4): the world's shared group, which holds
 * every printer the world creates.
 */
export const ROLES: readonly Role[] = ['customer', 'none', 'operator', 'admin', 'group_operator', 'group_admin']

export interface SpecRoute {
  /** `METHOD /path` exactly as in the document, e.g. `GET /jobs/{id}`: the fixture table's key. */
  key: string
  method: string
  path: string
  /** Undefined when the route declares none. */
  roles: Role[] | undefined
  pathParams: string[]
  hasQuery: boolean
  /** The JSON body schema's presence (multipart routes have none in the document). */
  jsonBody: boolean
}

interface Operation {
  'x-roles'?: unknown
  parameters?: { in: string; name: string }[]
  requestBody?: { content?: Record<string, unknown> }
  responses?: Record<string, { content?: Record<string, unknown> }>
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])

function rolesOf(key: string, value: unknown): Role[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.some((r) => !ROLES.includes(r as Role))) throw new Error(`${key}: x-roles ${JSON.stringify(value)} names an unknown role`)
  return value as Role[]
}

export function routesOf(spec: unknown): SpecRoute[] {
  const paths = (spec as { paths?: Record<string, Record<string, Operation>> }).paths ?? {}
  const routes: SpecRoute[] = []
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      if (!METHODS.has(method)) continue
      const key = `${method.toUpperCase()} ${path}`
      const parameters = op.parameters ?? []
      routes.push({
        key,
        method: method.toUpperCase(),
        path,
        roles: rolesOf(key, op['x-roles']),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        hasQuery: parameters.some((p) => p.in === 'query'),
        jsonBody: Boolean(op.requestBody?.content?.['application/json']),
      })
    }
  }
  return routes
}
