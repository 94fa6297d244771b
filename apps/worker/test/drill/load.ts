// Customers using the platform while the drill breaks it: they upload, read, cancel and delete,
// retry what the API asks them to retry (503), and keep a ledger of everything it acknowledged.
import { createHmac, randomBytes } from 'node:crypto'
import sharp from 'sharp'

export interface Sample {
  phase: string
  route: string
  status: number
  ms: number
  at: number
  /** The phase when the answer came (a request may span two). */
  endPhase: string
  /** Why no answer came (status 0): the network error's code. */
  error?: string
}

export interface AckedJob {
  id: string
  customer: string
  /** What the customer was told last: kept (202), cancelled (200), or deleted (204). */
  fate: 'kept' | 'cancelled' | 'deleted'
  /** A cancel was sent whose answer was lost (or was a 409): the job may be cancelled or stored. */
  maybeCancelled?: boolean
}

export class Load {
  phase = 'warm-up'
  readonly samples: Sample[] = []
  readonly jobs = new Map<string, AckedJob>()
  private running = false
  private loops: Promise<void>[] = []
  private images: Buffer[] = []

  constructor(private readonly apiUrl: () => string, private readonly jwtSecret: string, private readonly customers = 20) {}

  async start() {
    this.images = await Promise.all([0, 1].map((i) => sharp({ create: { width: 320, height: 240, channels: 3, background: i ? '#258' : '#a52' } }).jpeg().toBuffer()))
    this.running = true
    this.loops = Array.from({ length: this.customers }, (_, i) => this.customer(`cus_drill${randomBytes(3).toString('hex')}_${i}`, i))
  }

  async stop() {
    this.running = false
    await Promise.all(this.loops)
  }

  private token(actorId: string) {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const now = Math.floor(Date.now() / 1000)
    const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ actor_id: actorId, actor_type: 'customer', auth_identity_id: `authid_${actorId}`, app_metadata: {}, user_metadata: {}, iat: now, exp: now + 3600 })}`
    return `${body}.${createHmac('sha256', this.jwtSecret).update(body).digest('base64url')}`
  }

  /** One request, timed and recorded; status 0 when the connection failed (the API was down). */
  private async call(route: string, url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
    const started = performance.now()
    const phase = this.phase
    let status = 0
    let body: unknown
    let error: string | undefined
    try {
      const res = await fetch(`${this.apiUrl()}${url}`, { ...init, signal: AbortSignal.timeout(30_000) })
      status = res.status
      const text = await res.text()
      body = text ? JSON.parse(text) : null
    } catch (err) {
      // connection refused or reset: recorded as status 0 with the reason
      const cause = (err as { cause?: { code?: string; message?: string } }).cause
      error = cause?.code ?? cause?.message ?? (err as Error).message
    }
    this.samples.push({ phase, route, status, ms: performance.now() - started, at: Date.now(), endPhase: this.phase, ...(error ? { error } : {}) })
    return { status, body }
  }

  /** Retries what the API said to retry (503, or no answer) until it answers, like a client would. */
  private async untilAnswered(route: string, url: string, init: () => RequestInit, done: (status: number) => boolean) {
    for (let i = 0; this.running || i < 200; i++) {
      const res = await this.call(route, url, init())
      if (done(res.status)) return res
      await sleep(100 + Math.random() * 200)
    }
    return null
  }

  /**
   * One customer: an upload every other round (the API allows 10 a minute per customer), then a
   * read of one of its jobs and of its list; about one round every 3.5 s. Every fourth upload is
   * deleted at once, every seventh cancelled.
   */
  private async customer(id: string, seed: number) {
    const auth = { authorization: `Bearer ${this.token(id)}` }
    const mine: string[] = []
    let n = seed
    for (let round = seed; this.running; round++) {
      n = (n * 1103515245 + 12345) % 2 ** 31
      if (round % 2 === 0) await this.upload(id, n, auth, mine)
      const someJob = mine[n % Math.max(1, mine.length)]
      if (someJob) await this.call('GET /jobs/:id', `/jobs/${someJob}`, { headers: auth })
      await this.call('GET /jobs', '/jobs?limit=5', { headers: auth })
      await sleep(3_000 + (n % 1_000))
    }
  }

  private async upload(id: string, n: number, auth: Record<string, string>, mine: string[]) {
    const data = new FormData()
    data.append('title', `drill ${n}`)
    for (const [i, image] of this.images.entries()) data.append('images', new Blob([new Uint8Array(image)], { type: 'image/jpeg' }), `${i}.jpg`)
    const created = await this.call('POST /jobs/create', '/jobs/create', { method: 'POST', headers: auth, body: data })
    if (created.status !== 202) return
    const job: AckedJob = { id: (created.body as { job: { id: string } }).job.id, customer: id, fate: 'kept' }
    this.jobs.set(job.id, job)
    mine.push(job.id)
    // The LCG's low bits repeat with a short period: decide on high ones.
    const pick = n >>> 16
    if (pick % 4 === 0) await this.remove(job, auth)
    else if (pick % 7 === 0) await this.cancel(job, auth)
  }

  private async cancel(job: AckedJob, auth: Record<string, string>) {
    job.maybeCancelled = true
    const res = await this.untilAnswered('POST /jobs/:id/cancel', `/jobs/${job.id}/cancel`, () => ({ method: 'POST', headers: auth }), (s) => s !== 503 && s !== 0)
    if (res?.status === 200) job.fate = 'cancelled'
  }

  private async remove(job: AckedJob, auth: Record<string, string>) {
    for (let round = 0; round < 3; round++) {
      const res = await this.untilAnswered('DELETE /jobs/:id', `/jobs/${job.id}`, () => ({ method: 'DELETE', headers: auth }), (s) => s !== 503 && s !== 0)
      // 404 after an attempt whose answer was lost (the API died): that attempt deleted it.
      if (res?.status === 204 || res?.status === 404) return void (job.fate = 'deleted')
      // 409: being processed — cancel first, as the API says, then delete.
      if (res?.status === 409) await this.cancel(job, auth)
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
