// The staff console end to end in real Chromium (docs/console.md "Tests"), against the dev
// platform `npm run dev` runs: nginx serving the built console with its CSP, the dev sign-in, the
// API with its live stream, the worker and three virtual printers. An admin signs in, sees the
// fleet online, dispatches an uploaded model and follows it to `completed`, pauses and resumes it
// from the fleet page, finds the audit rows and verifies the chain; an operator cannot dispatch or
// open admin pages; a printer named like markup renders as text. Every page is checked with axe
// (no serious or critical violation) and screenshotted; any CSP violation or page error fails it.
// A `.solo.` file: npm test runs it alone, after the shared pass, on an otherwise idle machine.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { BrowserContext, Page } from 'playwright-core'
import { AxeAudit } from './harness/axe.ts'
import { launchChromium } from './harness/chromium.ts'
import { browserStorage, heading, inspect, nav, onPage, openFromNav, signIn, signInForm } from './harness/console-page.ts'
import { MODEL_FILE_NAME, slicedModel } from './harness/model.ts'
import { apiCallCount, trackRequests } from './harness/network-quiet.ts'
import { watchContext, type Violation } from './harness/page-watch.ts'
import { callApi, signInThroughApi, startPlatform } from './harness/platform.ts'
import { screenshot } from './harness/screenshots.ts'
import { waitForText, waitForValue } from './harness/wait.ts'

/** A printer name an unsafe renderer would turn into an element that runs script. */
const MARKUP_NAME = '<img src=x onerror="window.__xss=1">'
const ADMIN_ONLY = ['Audit log', 'Staff and quotas', 'API keys', 'Webhooks']
const STAFF_PAGES = ['Fleet', 'Print queue', 'Scans', 'Orders']
/** Live updates: a printer report every second, coalesced for 250 ms by the stream. */
const LIVE_MS = 30_000

interface ApiPrinter { id: string; name: string; model: string }

test('the staff console in Chromium: sign-in, live fleet, dispatch, controls, audit, roles, XSS, CSP, axe', { timeout: 300_000 }, async (t) => {
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  const platform = await startPlatform()
  t.after(() => platform.cleanup())
  t.diagnostic(`dev platform ready after ${elapsed()}: console ${platform.consoleUrl}`)
  const browser = await launchChromium()
  t.after(() => browser.close())
  const consoleUrl = platform.consoleUrl.endsWith('/') ? platform.consoleUrl : `${platform.consoleUrl}/`
  const at = (route: string) => new URL(route, consoleUrl).href

  const axe = new AxeAudit()
  // Each context's collector is a live array: read at the end, after every page has closed.
  const watched: Violation[][] = []
  const newPage = async (): Promise<{ context: BrowserContext; page: Page }> => {
    // 1280×800: the size of the README's screenshot.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    watched.push(await watchContext(context))
    const page = await context.newPage()
    trackRequests(page)
    page.setDefaultTimeout(15_000)
    return { context, page }
  }

  // The X1C takes the print; the A1 is later renamed, through the API (the console has no rename
  // form), to a name an unsafe renderer would run.
  const adminToken = await signInThroughApi(platform, 'admin')
  const printers = (await callApi<{ items: ApiPrinter[] }>(platform, adminToken, 'GET', '/printers?limit=50')).items
  assert.equal(printers.length, 3, `three virtual printers registered: ${printers.map((p) => p.name).join(', ')}`)
  const printerOf = (model: string) => printers.find((p) => p.model === model) ?? assert.fail(`no ${model} printer`)
  const target = printerOf('X1C')
  const renamed = printerOf('A1')

  const { context: adminContext, page } = await newPage()
  let jobId = ''
  // The steps build on each other: after a failure the rest would only time out one by one.
  let failedStep = ''
  const step = (name: string, fn: () => Promise<void>) =>
    t.test(name, failedStep ? { skip: `after the failed step "${failedStep}"` } : {}, async () => {
      try {
        await fn()
      } catch (err) {
        failedStep = name
        await screenshot(page, 'failure').catch(() => undefined)
        console.log(`--- the platform's last log lines ---\n${platform.logTail()}`)
        throw err
      }
    })

  await step('the watchers are live: a Trusted Types sink, a blocked image and an unnamed button are all caught', async () => {
    // On the console's own origin, under its real policy, in a context of its own (its findings
    // are expected, so they stay out of the run's): proves "no violation" below is not vacuous.
    const context = await browser.newContext()
    const seen = await watchContext(context)
    const canary = await context.newPage()
    await canary.goto(consoleUrl)
    await signInForm(canary).email.waitFor()
    await canary.evaluate(`(() => {
      try { document.body.insertAdjacentHTML('beforeend', '<b>x</b>') } catch {}
      const img = new Image(); img.src = 'https://blocked.invalid/x.png'; document.body.append(img)
      const button = document.createElement('button'); document.querySelector('main').append(button)
    })()`)
    await waitUntilSeen(seen, (v) => v.some((x) => /trusted-types/.test(x.detail)) && v.some((x) => /img-src/.test(x.detail)))
    const record = await new AxeAudit().check(canary, 'canary')
    assert.ok(record.failing.some((f) => f.includes('button-name')), `axe caught the unnamed button: ${record.failing.join('; ')}`)
    await context.close()
  })

  await step('the admin signs in through the sign-in form; the token is kept in memory only', async () => {
    await page.goto(consoleUrl)
    await signInForm(page).email.waitFor()
    await inspect(page, axe, 'sign-in')
    const submitted = Date.now()
    const token = await signIn(page, platform.accounts.admin)
    await onPage(page, 'Fleet')
    // Time to the first fleet render: from Sign in to the three printer cards on screen.
    await page.getByRole('article').nth(2).waitFor()
    t.diagnostic(`first fleet render: ${Date.now() - submitted} ms from Sign in to three printer cards`)
    const stored = await browserStorage(page)
    assert.ok(!stored.includes(token) && !stored.includes('eyJ'), `no token in browser storage: ${stored}`)
    assert.deepEqual((await adminContext.cookies()).map((c) => c.name), [], 'no cookie at all')
    // A reload would sign out (memory only): this marker proves every later update arrived live.
    await page.evaluate('window.__pfNoReload = true')
  })

  await step('Fleet shows the three virtual printers online', async () => {
    for (const p of printers) {
      await waitForText(page.getByRole('article', { name: p.name, exact: true }), /\bonline\b/i, `${p.name} online`, LIVE_MS)
    }
    await inspect(page, axe, 'fleet-admin')
  })

  await step('the admin dispatches an uploaded .gcode.3mf and sees the upload progress', async () => {
    await openFromNav(page, 'Print queue')
    await inspect(page, axe, 'queue-admin')
    await page.getByRole('heading', { name: 'Dispatch a print' }).waitFor()
    await page.getByLabel('Sliced model (.gcode.3mf)').setInputFiles({ name: MODEL_FILE_NAME, mimeType: 'application/octet-stream', buffer: await slicedModel() })
    await page.getByLabel('Printer', { exact: true }).selectOption({ label: target.name })
    await page.getByLabel('Plate').fill('1')
    // Throttle the upload (DevTools network emulation) so its progress bar is on screen long
    // enough to be seen: on loopback 1.2 MB would otherwise go up in a few milliseconds.
    const cdp = await adminContext.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400 * 1024 })
    await page.getByRole('button', { name: 'Dispatch', exact: true }).click()
    // The bar follows the XMLHttpRequest's upload events: it moves while the bytes go up.
    await waitForValue(page.getByRole('progressbar', { name: 'Upload progress' }), (v) => v >= 25, 'Upload progress past 25 %')
    await screenshot(page, 'queue-uploading')
    const jobLink = page.locator('main a[href*="/queue/"]').first()
    await jobLink.waitFor({ timeout: 30_000 })
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
    await cdp.detach()
    jobId = /\/queue\/([0-9a-f-]{36})/.exec((await jobLink.getAttribute('href')) ?? '')?.[1] ?? assert.fail('a link to the new job')
    await jobLink.click()
    await onPage(page, 'Print job')
    await waitForText(page.locator('main'), /\bprinting\b/i, 'the job printing', 60_000)
    await inspect(page, axe, 'job-printing')
  })

  await step('Fleet: pause and resume live; Stop asks first and Cancel keeps printing', async () => {
    await openFromNav(page, 'Fleet')
    const card = page.getByRole('article', { name: target.name, exact: true })
    await waitForText(card, /\bRUNNING\b/, `${target.name} RUNNING`, LIVE_MS)
    // The card's progress bar moves with the printer's reports (live: no reload since sign-in).
    const progress = card.getByRole('progressbar', { name: 'Print progress' })
    await waitForValue(progress, (v) => v >= 10, `${target.name}'s Print progress past 10 %`, LIVE_MS)
    // The README's picture of the console (docs/images/console-fleet.png is a copy of this one).
    await screenshot(page, 'fleet-printing', { fullPage: false })
    // Only the controls that apply are offered: nothing to pause or stop on an idle printer, and
    // nothing to resume on a running print.
    // hasText reads textContent, where the state runs into the next label ("IDLEProgress").
    const idleCard = page.getByRole('article').filter({ hasText: / · IDLE/ }).first()
    for (const name of ['Pause', 'Resume', 'Stop']) assert.ok(await idleCard.getByRole('button', { name, exact: true }).isDisabled(), `an idle printer's ${name} is disabled`)
    assert.ok(await idleCard.getByRole('button', { name: 'Light on', exact: true }).isEnabled(), "an idle printer's light can be switched")
    assert.ok(await card.getByRole('button', { name: 'Resume', exact: true }).isDisabled(), 'a running print cannot be resumed')
    await card.getByRole('button', { name: 'Pause', exact: true }).click()
    await waitForText(card, /\bPAUSE\b/, `${target.name} PAUSE`, LIVE_MS)
    await screenshot(page, 'fleet-paused')
    await card.getByRole('button', { name: 'Resume', exact: true }).click()
    await waitForText(card, /\bRUNNING\b/, `${target.name} RUNNING again`, LIVE_MS)
    await card.getByRole('button', { name: 'Stop', exact: true }).click()
    const dialog = page.getByRole('dialog')
    await waitForText(dialog, new RegExp(`Stop the print on ${target.name}\\?`), 'the stop confirmation')
    await axe.check(page, 'fleet-stop-dialog')
    await screenshot(page, 'fleet-stop-dialog')
    assert.equal(await dialog.getByRole('button', { name: 'Stop print', exact: true }).count(), 1, 'the dialog offers Stop print')
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click()
    await dialog.waitFor({ state: 'hidden' })
    await new Promise((r) => setTimeout(r, 1_500))
    assert.match(await card.innerText(), /\bRUNNING\b/, 'Cancel left the print running')
  })

  await step('a printer renamed to markup renders as text, live', async () => {
    await callApi(platform, adminToken, 'PATCH', `/printers/${renamed.id}`, { name: MARKUP_NAME })
    const card = page.getByRole('article', { name: MARKUP_NAME, exact: true })
    await card.waitFor({ timeout: LIVE_MS })
    assert.ok((await card.getByText(MARKUP_NAME, { exact: true }).count()) >= 1, 'the name is shown as its own text')
    assert.equal(await card.locator('img').count(), 0, 'no img element inside the card')
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no img element from the name anywhere')
    assert.equal(await page.evaluate('window.__xss'), undefined, 'the onerror handler never ran')
  })

  await step('the queue and the job page reach completed through live updates', async () => {
    await openFromNav(page, 'Print queue')
    const row = page.getByRole('row').filter({ has: page.locator(`a[href$="/queue/${jobId}"]`) })
    await waitForText(row, /\bcompleted\b/i, 'the job completed in the queue', 90_000)
    await row.locator(`a[href$="/queue/${jobId}"]`).first().click()
    await onPage(page, 'Print job')
    await waitForText(page.locator('main'), /\bcompleted\b/i, 'the job page completed')
    const progress = page.getByRole('progressbar', { name: 'Print progress' })
    assert.equal(Number(await progress.getAttribute('value')), 100, 'Print progress at 100')
    const history = (await page.getByRole('table').innerText()).toLowerCase()
    for (const state of ['queued', 'uploading', 'starting', 'printing', 'completed']) assert.ok(history.includes(state), `${state} in the state history:\n${history}`)
    await inspect(page, axe, 'job-completed')
    assert.equal(await page.evaluate('window.__pfNoReload'), true, 'no reload since sign-in: every change arrived live')
  })

  await step('the audit log shows what was just done, filters by action, and Verify chain succeeds', async () => {
    await openFromNav(page, 'Audit log')
    const entries = page.locator('table tbody')
    for (const action of ['printer.updated', 'manufacturing.created', 'printer.controlled']) {
      await waitForText(entries, new RegExp(`\\b${action.replace('.', '\\.')}\\b`), `an audit row ${action}`)
    }
    await page.getByLabel('Action', { exact: true }).fill('printer.controlled')
    await page.getByRole('button', { name: 'Apply filters', exact: true }).click()
    const filtered = await waitUntilRows(page, 'printer.controlled')
    assert.ok(filtered.length >= 2, `pause and resume audited: ${filtered.length} printer.controlled rows`)
    const text = filtered.join('\n')
    assert.match(text, /pause/)
    assert.match(text, /resume/)
    await page.getByRole('button', { name: 'Verify chain', exact: true }).click()
    await page.getByRole('status').filter({ hasText: /^Chain verified: \d+ rows$/ }).waitFor({ timeout: 30_000 })
    await inspect(page, axe, 'audit')
  })

  await step('the other admin pages open, with no serious accessibility violation', async () => {
    for (const name of ['Scans', 'Orders', 'Staff and quotas', 'API keys', 'Webhooks']) {
      await openFromNav(page, name)
      await inspect(page, axe, name.toLowerCase().replace(/ /g, '-'))
    }
    assert.equal(await page.evaluate('window.__xss'), undefined)
  })

  await step('Sign out forgets the token', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click()
    await signInForm(page).email.waitFor()
    assert.equal(await nav(page).count(), 0, 'no navigation once signed out')
    assert.doesNotMatch(await browserStorage(page), /eyJ/)
  })

  await step('the operator: no Dispatch form, no admin pages, a typed admin URL is not available', async () => {
    // Typing the URL loads the app afresh (signed out): sign in there, as a person would.
    await page.goto(at('audit'))
    await signIn(page, platform.accounts.operator)
    await waitForText(page.locator('main'), /Not available to your role/, 'the admin page refused to the operator')
    assert.equal(await heading(page, 'Audit log').count(), 0, 'no audit log shown')
    await inspect(page, axe, 'operator-not-available')
    const links = await nav(page).getByRole('link').allInnerTexts()
    for (const name of STAFF_PAGES) assert.ok(links.some((l) => l.trim() === name), `the operator's menu has ${name}: ${links.join(', ')}`)
    for (const name of ADMIN_ONLY) assert.ok(!links.some((l) => l.trim() === name), `the operator's menu lacks ${name}: ${links.join(', ')}`)
    await openFromNav(page, 'Fleet')
    await waitForText(page.getByRole('article', { name: MARKUP_NAME, exact: true }), /\bonline\b/i, 'the renamed printer, to the operator')
    await inspect(page, axe, 'fleet-operator')
    await openFromNav(page, 'Print queue')
    await page.getByRole('row').filter({ has: page.locator(`a[href$="/queue/${jobId}"]`) }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Dispatch', exact: true }).count(), 0, 'no Dispatch button')
    assert.equal(await page.getByLabel('Sliced model (.gcode.3mf)').count(), 0, 'no upload field')
    await inspect(page, axe, 'queue-operator')
    for (const name of ['Scans', 'Orders']) {
      await openFromNav(page, name)
      await inspect(page, axe, `${name.toLowerCase()}-operator`)
    }
    assert.equal(await page.evaluate('window.__xss'), undefined)
  })

  t.diagnostic(`requests outside /console/ (API, sign-in) by the admin's then the operator's session: ${apiCallCount(page)} in ${elapsed()}`)
  await adminContext.close()
  const summary = axe.summary()
  console.log(summary)
  for (const line of summary.split('\n')) t.diagnostic(line)
  t.diagnostic(`browser suite done in ${elapsed()} (wall, platform start included)`)
  console.log(`browser suite: ${elapsed()} wall, platform start included`)

  await t.test('axe: no serious or critical violation on any page', () => {
    const failing = axe.records.flatMap((r) => r.failing.map((f) => `${r.page}: ${f}`))
    assert.deepEqual(failing, [])
  })

  await t.test('no CSP violation and no page error in the whole run', async () => {
    assert.deepEqual(watched.flat().map((v) => `${v.kind} on ${v.page}: ${v.detail}`), [])
  })
})

/** The audit table's rows once every one of them is of `action` (the filter applied). */
async function waitUntilRows(page: Page, action: string): Promise<string[]> {
  const deadline = Date.now() + 15_000
  for (;;) {
    const rows = await page.locator('table tbody tr').allInnerTexts()
    if (rows.length > 0 && rows.every((r) => r.includes(action))) return rows
    if (Date.now() > deadline) throw new Error(`the audit table did not filter to ${action}: ${rows.length} rows, e.g. ${rows.slice(0, 3).join(' | ')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Waits for the collector to have reported what `ok` looks for (reports arrive asynchronously). */
async function waitUntilSeen(seen: Violation[], ok: (v: Violation[]) => boolean): Promise<void> {
  const deadline = Date.now() + 5_000
  while (!ok(seen)) {
    if (Date.now() > deadline) throw new Error(`the collector did not report the canary's violations: ${JSON.stringify(seen)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
