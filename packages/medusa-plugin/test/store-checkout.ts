// A customer's checkout through Medusa's store API, as a storefront does it: sign up, cart, line
// item, address, shipping, payment session with the system provider, complete → order.placed.
import assert from 'node:assert/strict'

export interface ShopSeed {
  publishableKey: string
  regionId: string
  shippingOptionId: string
  variantId: string
  sku: string
}

async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  assert.ok(res.ok, `${method} ${path} → ${res.status}: ${text.slice(0, 500)}`)
  return JSON.parse(text) as Record<string, unknown>
}

/** Places an order for `quantity` of the seeded variant; returns the Medusa order. */
export async function checkout(base: string, seed: ShopSeed, quantity: number): Promise<{ id: string; display_id: number; customer_id: string }> {
  const email = `buyer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`
  const password = `pw-${Math.random().toString(36).slice(2)}A1!`
  const store = { 'x-publishable-api-key': seed.publishableKey }
  // A registration token may create the customer; the login token then acts as that customer.
  const registered = await call(base, 'POST', '/auth/customer/emailpass/register', {}, { email, password })
  await call(base, 'POST', '/store/customers', { ...store, authorization: `Bearer ${registered['token'] as string}` }, { email, first_name: 'Ada', last_name: 'Buyer' })
  const login = await call(base, 'POST', '/auth/customer/emailpass', {}, { email, password })
  const auth = { ...store, authorization: `Bearer ${login['token'] as string}` }

  const address = { first_name: 'Ada', last_name: 'Buyer', address_1: 'Hauptstraße 1', city: 'Berlin', postal_code: '10115', country_code: 'de' }
  const { cart } = (await call(base, 'POST', '/store/carts', auth, { region_id: seed.regionId, email, shipping_address: address, billing_address: address })) as { cart: { id: string } }
  await call(base, 'POST', `/store/carts/${cart.id}/line-items`, auth, { variant_id: seed.variantId, quantity })
  await call(base, 'POST', `/store/carts/${cart.id}/shipping-methods`, auth, { option_id: seed.shippingOptionId })
  const { payment_collection: collection } = (await call(base, 'POST', '/store/payment-collections', auth, { cart_id: cart.id })) as { payment_collection: { id: string } }
  await call(base, 'POST', `/store/payment-collections/${collection.id}/payment-sessions`, auth, { provider_id: 'pp_system_default' })
  const completed = (await call(base, 'POST', `/store/carts/${cart.id}/complete`, auth)) as { type: string; order?: { id: string; display_id: number; customer_id: string }; error?: unknown }
  assert.equal(completed.type, 'order', JSON.stringify(completed).slice(0, 500))
  return completed.order as { id: string; display_id: number; customer_id: string }
}
