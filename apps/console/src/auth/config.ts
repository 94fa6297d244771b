export interface ConsoleConfig {
  medusaUrl: string
  devSignIn: boolean
}

/** GET /console/config.json (rendered by nginx from its template; docs/console.md "Runtime configuration"). */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: 'no-store', credentials: 'omit' })
  if (!response.ok) throw new Error(`The console's configuration could not be loaded (${response.status}).`)
  const body = (await response.json()) as Partial<ConsoleConfig>
  if (typeof body.medusaUrl !== 'string' || body.medusaUrl === '') throw new Error("The console's configuration has no medusaUrl.")
  return { medusaUrl: body.medusaUrl, devSignIn: body.devSignIn === true }
}
