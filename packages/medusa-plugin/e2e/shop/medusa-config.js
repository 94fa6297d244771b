// The e2e shop: a bare Medusa 2 project whose only customisation is the PrintForge plugin. Every
// setting comes from the environment the test gives it (packages/medusa-plugin/test/medusa-shop.ts).
// Plain CommonJS: Medusa would need ts-node for a medusa-config.ts, and this shop has no TypeScript.
const { defineConfig } = require('@medusajs/framework/utils')

/** @param {string} name */
const required = (name) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: required('DATABASE_URL'),
    http: {
      jwtSecret: required('JWT_SECRET'),
      cookieSecret: required('COOKIE_SECRET'),
      storeCors: 'http://127.0.0.1',
      adminCors: 'http://127.0.0.1',
      // The staff console's origin in the e2e (it signs in at /auth/user/emailpass from the browser).
      authCors: process.env.AUTH_CORS || 'http://127.0.0.1',
    },
  },
  admin: { disable: true },
  plugins: [
    {
      resolve: required('PRINTFORGE_PLUGIN_PATH'),
      options: {
        printforgeUrl: required('PRINTFORGE_URL'),
        apiKey: required('PRINTFORGE_API_KEY'),
        webhookSecret: required('PRINTFORGE_WEBHOOK_SECRET'),
        reconcileIntervalMinutes: 1,
      },
    },
  ],
})
