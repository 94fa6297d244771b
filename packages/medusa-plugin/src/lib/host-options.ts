// Subscribers receive the plugin's options from Medusa; scheduled jobs and API routes do not, so
// they read them from medusa-config's `plugins` list: the entry whose `resolve` is this package
// (by name, or by a path to it, as a local install or the e2e shop names it).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { ConfigModule, MedusaContainer } from './medusa-types.js'
import { parseOptions, PrintForgeOptionsError, type PrintForgeOptions } from './options.js'

const PACKAGE_NAME = '@printforge/medusa-plugin'
let cached: PrintForgeOptions | undefined

function isThisPlugin(resolve: string): boolean {
  if (resolve === PACKAGE_NAME) return true
  try {
    // Resolved the way Medusa resolves plugins: from the Medusa project's directory.
    const pkg = createRequire(path.join(process.cwd(), 'medusa-config.js')).resolve(path.join(resolve, 'package.json'))
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME
  } catch {
    return false
  }
}

export function optionsFromContainer(container: MedusaContainer): PrintForgeOptions {
  if (cached) return cached
  const config = container.resolve<ConfigModule>('configModule')
  const entry = (config.plugins ?? []).find((p) => typeof p !== 'string' && isThisPlugin(p.resolve))
  if (!entry || typeof entry === 'string') throw new PrintForgeOptionsError(`no options: list it in medusa-config plugins as { resolve: '${PACKAGE_NAME}', options: { … } }`)
  cached = parseOptions(entry.options)
  return cached
}
