import { multipart } from '../helper.ts'
import { injectAnswer, type Answer } from '../inject-answer.ts'
import type { FixtureRequest } from './fixtures.ts'
import type { SpecRoute } from './spec.ts'
import { remoteAddress, type World } from './world.ts'

/** How a check changes the fixture's valid request. */
export interface Variation {
  auth?: { authorization: string }
  /** Send the fixture's body as this content type instead of its own. */
  as?: 'text/plain' | 'urlencoded' | 'json' | 'multipart'
  extraField?: 'body' | 'query'
}

export const EXTRA = 'unexpectedField'

function urlOf(route: SpecRoute, req: FixtureRequest, extraQuery: boolean): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = req.params?.[name]
    if (value === undefined) throw new Error(`${route.key}: the fixture sets no path parameter ${name}`)
    return encodeURIComponent(value)
  })
  const query = new URLSearchParams({ ...req.query, ...(extraQuery ? { [EXTRA]: 'x' } : {}) }).toString()
  return query ? `${path}?${query}` : path
}

/** The body's fields as flat strings: what a form or a text body would carry. */
function fieldsOf(req: FixtureRequest): Record<string, string> {
  if (req.json) return Object.fromEntries(Object.entries(req.json).map(([k, v]) => [k, String(v)]))
  const fields = (req.multipart ?? []).filter((p) => !('filename' in p)) as { name: string; value: string }[]
  return Object.fromEntries(fields.map((p) => [p.name, p.value]))
}

function bodyOf(req: FixtureRequest, v: Variation): { payload?: string | Buffer; headers: Record<string, string> } {
  const extra = v.extraField === 'body' ? { [EXTRA]: 'x' } : {}
  const kind = v.as ?? (req.multipart ? 'multipart' : req.json ? 'json' : undefined)
  switch (kind) {
    case undefined:
      return { headers: {} }
    case 'json':
      return { payload: JSON.stringify({ ...(req.json ?? fieldsOf(req)), ...extra }), headers: { 'content-type': 'application/json' } }
    case 'multipart': {
      const parts = req.multipart ?? Object.entries(fieldsOf(req)).map(([name, value]) => ({ name, value }))
      return multipart([...parts, ...Object.entries(extra).map(([name, value]) => ({ name, value }))])
    }
    case 'text/plain':
      // What a cross-site form with enctype=text/plain can send without a preflight.
      return { payload: JSON.stringify(req.json ?? fieldsOf(req)), headers: { 'content-type': 'text/plain' } }
    case 'urlencoded':
      return { payload: new URLSearchParams(fieldsOf(req)).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
  }
}

export function send(world: World, route: SpecRoute, req: FixtureRequest, v: Variation): Promise<Answer> {
  const { payload, headers } = bodyOf(req, v)
  return injectAnswer(world.api.app, {
    method: route.method as 'GET',
    url: urlOf(route, req, v.extraField === 'query'),
    remoteAddress: remoteAddress(),
    headers: { ...headers, ...v.auth },
    ...(payload === undefined ? {} : { payload }),
  })
}
