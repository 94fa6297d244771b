// `medusa exec ./seed.js`: the least a shop needs to sell one printed product — a sales channel,
// a region (EUR, Germany, the system payment provider), a stock location with a shipping option,
// a publishable API key, and a product whose variant SKU is the PrintForge productRef. Writes
// what the test needs (ids, the publishable key) to $SEED_OUTPUT.
const { writeFileSync } = require('node:fs')
const {
  createApiKeysWorkflow, createProductsWorkflow, createRegionsWorkflow, createSalesChannelsWorkflow,
  createShippingOptionsWorkflow, createShippingProfilesWorkflow, createStockLocationsWorkflow,
  createTaxRegionsWorkflow, linkSalesChannelsToApiKeyWorkflow, linkSalesChannelsToStockLocationWorkflow,
  updateStoresWorkflow,
} = require('@medusajs/medusa/core-flows')
const { ContainerRegistrationKeys, Modules } = require('@medusajs/framework/utils')

/** @param {{ container: import('@medusajs/framework/types').MedusaContainer }} args */
exports.default = async function seed({ container }) {
  const link = container.resolve(ContainerRegistrationKeys.LINK)
  const fulfillment = container.resolve(Modules.FULFILLMENT)
  const [store] = await container.resolve(Modules.STORE).listStores()
  const sku = process.env.PRODUCT_SKU || 'DESK-ORG-01'

  const { result: [channel] } = await createSalesChannelsWorkflow(container).run({ input: { salesChannelsData: [{ name: 'Webshop' }] } })
  await updateStoresWorkflow(container).run({
    input: { selector: { id: store.id }, update: { supported_currencies: [{ currency_code: 'eur', is_default: true }], default_sales_channel_id: channel.id } },
  })
  const { result: [region] } = await createRegionsWorkflow(container).run({
    input: { regions: [{ name: 'Germany', currency_code: 'eur', countries: ['de'], payment_providers: ['pp_system_default'] }] },
  })
  await createTaxRegionsWorkflow(container).run({ input: [{ country_code: 'de', provider_id: 'tp_system' }] })

  const { result: [location] } = await createStockLocationsWorkflow(container).run({
    input: { locations: [{ name: 'Print farm', address: { city: 'Berlin', country_code: 'DE', address_1: 'Farmstraße 1' } }] },
  })
  await link.create({ [Modules.STOCK_LOCATION]: { stock_location_id: location.id }, [Modules.FULFILLMENT]: { fulfillment_provider_id: 'manual_manual' } })
  let [profile] = await fulfillment.listShippingProfiles({ type: 'default' })
  if (!profile) {
    const { result } = await createShippingProfilesWorkflow(container).run({ input: { data: [{ name: 'Default', type: 'default' }] } })
    profile = result[0]
  }
  const set = await fulfillment.createFulfillmentSets({
    name: 'Print farm delivery', type: 'shipping', service_zones: [{ name: 'Germany', geo_zones: [{ country_code: 'de', type: 'country' }] }],
  })
  await link.create({ [Modules.STOCK_LOCATION]: { stock_location_id: location.id }, [Modules.FULFILLMENT]: { fulfillment_set_id: set.id } })
  const { result: [shippingOption] } = await createShippingOptionsWorkflow(container).run({
    input: [{
      name: 'Standard', price_type: 'flat', provider_id: 'manual_manual', service_zone_id: set.service_zones[0].id, shipping_profile_id: profile.id,
      type: { label: 'Standard', description: 'Two to four days', code: 'standard' },
      prices: [{ currency_code: 'eur', amount: 5 }, { region_id: region.id, amount: 5 }],
      rules: [{ attribute: 'enabled_in_store', value: 'true', operator: 'eq' }, { attribute: 'is_return', value: 'false', operator: 'eq' }],
    }],
  })
  await linkSalesChannelsToStockLocationWorkflow(container).run({ input: { id: location.id, add: [channel.id] } })

  const { result: [key] } = await createApiKeysWorkflow(container).run({ input: { api_keys: [{ title: 'Webshop', type: 'publishable', created_by: '' }] } })
  await linkSalesChannelsToApiKeyWorkflow(container).run({ input: { id: key.id, add: [channel.id] } })

  const { result: [product] } = await createProductsWorkflow(container).run({
    input: {
      products: [{
        title: 'Desk organiser', status: 'published', shipping_profile_id: profile.id,
        options: [{ title: 'Colour', values: ['Black'] }],
        variants: [{ title: 'Black', sku, options: { Colour: 'Black' }, manage_inventory: false, prices: [{ amount: 25, currency_code: 'eur' }] }],
        sales_channels: [{ id: channel.id }],
      }],
    },
  })
  const output = { publishableKey: key.token, regionId: region.id, salesChannelId: channel.id, shippingOptionId: shippingOption.id, productId: product.id, variantId: product.variants[0].id, sku }
  writeFileSync(process.env.SEED_OUTPUT || 'seed-output.json', JSON.stringify(output))
}
