/** The console template's variables (docs/console.md, "Runtime configuration"); all required. */
export const CONSOLE_TEMPLATE_VARIABLES = ['CONSOLE_ROOT', 'MEDUSA_URL', 'CONSOLE_IMAGE_ORIGINS', 'CONSOLE_DEV_SIGN_IN'] as const
export type ConsoleTemplateValues = Record<(typeof CONSOLE_TEMPLATE_VARIABLES)[number], string>

// A value lands inside a quoted nginx string and a JSON string: a quote, brace, semicolon, `$` or
// line break in it would change the configuration's structure rather than fill a slot.
const UNSAFE = /["'`;{}$\\\r\n]/

/**
 * What the nginx image does at start (`envsubst` given the defined variables' names), done for the
 * dev stack: `${NAME}` and `$NAME` are replaced for exactly the four console variables and nothing
 * else — every other `$word` (nginx's own `$uri`, `$printforge_hsts`, and an unknown `${X}`) is left
 * as it is, exactly as envsubst leaves it, so dev and production render the same text. Unlike
 * envsubst it refuses a missing variable and a value that would break out of its slot.
 */
export function renderConsoleTemplate(template: string, values: ConsoleTemplateValues): string {
  for (const name of CONSOLE_TEMPLATE_VARIABLES) {
    const value = values[name]
    if (typeof value !== 'string' || value === '') throw new Error(`console template: ${name} is required`)
    if (UNSAFE.test(value)) throw new Error(`console template: ${name} holds a character nginx or JSON would read as syntax: ${JSON.stringify(value)}`)
  }
  if (values.CONSOLE_DEV_SIGN_IN !== 'true' && values.CONSOLE_DEV_SIGN_IN !== 'false') throw new Error('console template: CONSOLE_DEV_SIGN_IN must be true or false')
  const known = new Set<string>(CONSOLE_TEMPLATE_VARIABLES)
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare) as string
    return known.has(name) ? values[name as keyof ConsoleTemplateValues] : whole
  })
}
