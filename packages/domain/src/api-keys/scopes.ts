/**
 * What an API key may be granted (docs/integrations.md "API keys"). The migration's
 * api_keys_scopes_known check lists the same values; a test compares them. No scope reaches staff
 * administration (staff, tokens, keys, quotas, audit, printer changes): those stay with people.
 */
export const API_KEY_SCOPES = ['orders:write', 'orders:read', 'jobs:read', 'printers:read', 'webhooks:manage'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

export const isApiKeyScope = (value: string): value is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(value)
