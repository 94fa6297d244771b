// The console as a person uses it, by the names docs/console.md gives its pages, headings, fields
// and buttons (accessible names, which is also what the axe checks are about).
import type { Page, Response } from 'playwright-core'
import type { AxeAudit } from './axe.ts'
import { networkQuiet } from './network-quiet.ts'
import { screenshot } from './screenshots.ts'

export const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' })
export const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true })

/** Waits for the page whose `<h1>` is `name`. */
export async function onPage(page: Page, name: string, timeout = 15_000): Promise<void> {
  await heading(page, name).waitFor({ timeout })
}

/** Client-side navigation through the main menu (a reload would sign out: the token is in memory). */
export async function openFromNav(page: Page, name: string): Promise<void> {
  await nav(page).getByRole('link', { name, exact: true }).click()
  await onPage(page, name)
}

/** Lets the page settle (its queries answered), then checks it with axe and takes its screenshot. */
export async function inspect(page: Page, axe: AxeAudit, label: string): Promise<void> {
  await networkQuiet(page)
  await axe.check(page, label)
  await screenshot(page, label)
}

export const signInForm = (page: Page) => ({
  email: page.getByLabel(/e-?mail/i),
  password: page.getByLabel(/^password$/i),
  submit: page.getByRole('button', { name: /^sign in$/i }),
})

/** Fills and submits the sign-in form; resolves with the token the sign-in route returned. */
export async function signIn(page: Page, account: { email: string; password: string }): Promise<string> {
  const form = signInForm(page)
  await form.email.waitFor()
  await form.email.fill(account.email)
  await form.password.fill(account.password)
  const answered = page.waitForResponse((r: Response) => r.url().endsWith('/auth/user/emailpass') && r.request().method() === 'POST')
  await form.submit.click()
  const response = await answered
  if (response.status() !== 200) throw new Error(`sign-in answered ${response.status()}`)
  return ((await response.json()) as { token: string }).token
}

/** Everything script on the page could persist: the token must be in none of it. */
export async function browserStorage(page: Page): Promise<string> {
  return (await page.evaluate(`(async () => JSON.stringify({
    localStorage: Object.entries(localStorage),
    sessionStorage: Object.entries(sessionStorage),
    cookie: document.cookie,
    indexedDB: (await indexedDB.databases()).map((d) => d.name),
  }))()`)) as string
}
