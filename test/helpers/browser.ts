/**
 * Headless Chromium (Debian's `chromium` package) driven by playwright-core,
 * for the web UI test and the screenshot script: a fresh profile directory
 * per launch, no network features Chromium would reach out with (loopback
 * only here). `chromiumMissing()` says why it cannot run, for a skip — or a
 * failure under CI, whose run installs it.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.FED_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

export function chromiumMissing (): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install -y chromium)`
}

export interface Browser { context: BrowserContext, page: Page, close: () => Promise<void> }

/** A fresh headless Chromium with one page (viewport 1280×800). */
export async function launchBrowser (): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'fed-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 }
  })
  const page = context.pages()[0] ?? await context.newPage()
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true, maxRetries: 3 })
    }
  }
}

/** Open the UI of `url` and sign in with `token`; resolves once the nodes page shows data. */
export async function signIn (page: Page, url: string, token: string): Promise<void> {
  await page.goto(url + '/ui/')
  await page.fill('#token', token)
  await page.click('#login button[type=submit]')
  await page.waitForSelector('#nodes-table')
}

/**
 * Wait until `count(selector[, hasText])` satisfies `ok` (polled from here: the UI's CSP forbids the
 * string evaluation of page.waitForFunction). A deadline against hangs, not a timing assertion.
 */
export async function waitCount (page: Page, selector: string, ok: (n: number) => boolean, opts: { hasText?: string, timeoutMs?: number } = {}): Promise<number> {
  const loc = page.locator(selector, opts.hasText !== undefined ? { hasText: opts.hasText } : {})
  const end = Date.now() + (opts.timeoutMs ?? 20_000)
  for (;;) {
    const n = await loc.count()
    if (ok(n)) return n
    if (Date.now() > end) throw new Error(`timed out waiting for ${selector}${opts.hasText !== undefined ? ` with "${opts.hasText}"` : ''}: ${n} found`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
