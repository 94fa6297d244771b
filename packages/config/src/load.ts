import type { Static, TObject, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { ENV_EXAMPLE_SECRETS } from './env-example.js'
import { checkSecret, secretKindOf } from './secret.js'
import { fileVariable, readSettingFiles } from './secret-files.js'

export interface ConfigProblem {
  variable: string
  problem: string
}

/** Boot-time configuration failure; the message names every offending variable. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[]

  constructor(problems: ConfigProblem[]) {
    super(
      'Invalid configuration:\n' +
        problems.map(({ variable, problem }) => `  - ${variable} ${problem}`).join('\n'),
    )
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export type Env = Readonly<Record<string, string | undefined>>

/**
 * Validates `env` against `schema` once, at boot. Only the schema's own variables are read;
 * empty strings count as unset. A secret may come from a file instead, `NAME_FILE=/path`
 * (secret-files.ts). Secrets (see `Secret()`) have no defaults and must be at least 32 bytes and
 * differ from their `.env.example` placeholder, wherever they come from. Throws {@link ConfigError}.
 */
export function loadConfig<S extends TObject>(
  schema: S,
  env: Env,
  refine?: (config: Static<S>) => ConfigProblem[],
): Readonly<Static<S>> {
  const raw: Record<string, string> = {}
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') raw[key] = value.trim()
  }
  const files = readSettingFiles(schema.properties as Record<string, TSchema>, env)
  Object.assign(raw, files.values)

  const problems: ConfigProblem[] = [...files.problems]
  // A variable whose file (or both forms) is already reported gets no second, derived problem.
  const reported = (key: string) => problems.some((p) => p.variable === key || p.variable === fileVariable(key))
  const required = new Set(schema.required ?? [])
  for (const [key, property] of Object.entries(schema.properties) as [string, TSchema][]) {
    const kind = secretKindOf(property)
    const value = raw[key]
    if (kind === undefined || reported(key)) continue
    if (value === undefined) {
      if (required.has(key)) problems.push({ variable: key, problem: `is required (a secret has no default; set it or ${fileVariable(key)})` })
      continue
    }
    const problem = checkSecret(kind, value, ENV_EXAMPLE_SECRETS[key] ?? [])
    if (problem) problems.push({ variable: key, problem })
  }

  const candidate = Value.Default(schema, Value.Convert(schema, raw))
  if (!Value.Check(schema, candidate)) {
    for (const error of Value.Errors(schema, candidate)) {
      const params = error.params as { requiredProperties?: string[] }
      const named = error.instancePath.split('/')[1]
      for (const variable of named ? [named] : (params.requiredProperties ?? ['(environment)'])) {
        if (reported(variable)) continue
        problems.push({ variable, problem: describeSchemaError(error.keyword, error.message) })
      }
    }
  }
  if (problems.length === 0 && refine) problems.push(...refine(candidate as Static<S>))
  if (problems.length > 0) {
    // Say where a bad value came from: the operator may never have set NAME itself.
    throw new ConfigError(problems.map((p) => (Object.hasOwn(files.values, p.variable) ? { ...p, problem: `${p.problem} (read from ${fileVariable(p.variable)})` } : p)))
  }
  return Object.freeze(candidate as Static<S>)
}

function describeSchemaError(keyword: string, message: string): string {
  return keyword === 'required' ? 'is required' : message
}

/**
 * For apps: load the config or print the problems and exit non-zero. Only apps may exit the
 * process; packages receive the resulting object.
 */
export function loadConfigOrExit<S extends TObject>(
  schema: S,
  env: Env,
  app: string,
  refine?: (config: Static<S>) => ConfigProblem[],
): Readonly<Static<S>> {
  try {
    return loadConfig(schema, env, refine)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${app}: ${err.message}\n`)
    process.exit(78) // EX_CONFIG
  }
}
