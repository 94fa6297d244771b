// Scans through nginx as a customer: shared by the scan and fault tests.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { gpsJpeg } from '../../apps/worker/test/images.ts'
import { multipart, ORIGIN, request, token } from './stack.ts'

export const customer = `cus_deploy${randomBytes(4).toString('hex')}`
export const as = (actorType: 'customer' | 'user', id: string) => ({ authorization: `Bearer ${token(actorType, id)}`, origin: ORIGIN })

/** Uploads one JPEG with EXIF GPS through nginx; returns the job id. */
export async function uploadScan(owner = customer): Promise<string> {
  const form = multipart([{ name: 'title', value: 'deployment scan' }, { name: 'images', filename: 'scan.jpg', content: await gpsJpeg(640, 480), contentType: 'image/jpeg' }])
  const res = await request('POST', '/jobs/create', { headers: { ...as('customer', owner), 'content-type': form.contentType }, body: form.body })
  assert.equal(res.status, 202, res.text)
  return res.json<{ job: { id: string } }>().job.id
}

export const jobStatus = async (id: string, owner = customer) => (await request('GET', `/jobs/${id}`, { headers: as('customer', owner) })).json<{ job: { status: string; images: { id: string; status: string }[] } }>().job

