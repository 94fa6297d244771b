// The webhook route needs the body exactly as it was signed: Medusa's JSON parser keeps it in
// req.rawBody when asked. A PrintForge event is small; the limit keeps a flood cheap.
import type { MiddlewaresConfig } from '../lib/medusa-types.js'

const middlewares: MiddlewaresConfig = {
  routes: [{ matcher: '/hooks/printforge', methods: ['POST'], bodyParser: { preserveRawBody: true, sizeLimit: '64kb' } }],
}

export default middlewares
