// Shared by the browser journeys (journey.mjs, desk.mjs): TAP output, steps with a screenshot
// on failure, error watching, the 360 px check and the login helpers. Debian's chromium is
// launched as DESIGN §6 says.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const base = process.env.PMIS_WEB_BASE
export const shots = process.env.PMIS_WEB_SHOTS || 'build/web-screens'
export const ADMIN_PW = 'Zhejiang2025pw'
export const EN_PW = 'Hangzhou2025pw'
mkdirSync(shots, { recursive: true })

let n = 0
let failed = 0
const say = (line) => process.stdout.write(`${line}\n`)
export const failures = () => failed
export function ok(name) {
  say(`ok ${++n} - ${name}`)
}
export function notOk(name, err) {
  failed++
  say(`not ok ${++n} - ${name}`)
  for (const l of String(err?.stack || err).split('\n').slice(0, 8)) say(`#   ${l}`)
}
export function assert(cond, msg) {
  if (!cond) throw new Error(msg)
}

export const errors = []
export function watch(page, label) {
  page.on('pageerror', (e) => errors.push(`${label}: page error: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // refused API calls (401 before login, the wrong password, 400 from a weak password, 403
    // for a page the role lacks, 404 for another subtree's customer) are logged by chromium as
    // failed resource loads: expected, and checked by the steps
    if (/Failed to load resource: the server responded with a status of (400|401|403|404)/.test(m.text())) return
    errors.push(`${label}: console: ${m.text()}`)
  })
}

export async function step(page, name, fn) {
  try {
    await fn()
    ok(name)
    return true
  } catch (e) {
    notOk(name, e)
    await page.screenshot({ path: join(shots, `FAILED-${n}.png`), fullPage: true }).catch(() => {})
    return false
  }
}

export const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
export const text = (page, sel) => page.locator(sel).first().innerText({ timeout: 10000 })
export async function noSideScroll(page) {
  const { sw, iw } = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth,
    iw: window.innerWidth,
  }))
  assert(sw <= iw, `page is ${sw}px wide on a ${iw}px screen`)
}

/** The phone every journey checks its pages on: 360 × 740, touch, Chinese. */
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' }

/** A step per [name, path, ready] page on `page` (a phone's, logged in): once `ready` shows, the
 *  page fits the width; a screenshot `${prefix}${name}`. */
export async function phonePages(page, pages, prefix = 'mobile-') {
  for (const [name, path, ready] of pages)
    await step(page, `phone: ${name} fits 360 px`, async () => {
      await page.goto(`${base}${path}`)
      await page.locator(ready).first().waitFor()
      await noSideScroll(page)
      await shot(page, `${prefix}${name}`)
    })
}

/** A journey file's closing step `name`: no JavaScript error or CSP violation was logged but
 *  those `expected` (a RegExp: refusals a step provoked on purpose) matches. */
export async function noErrors(browser, name, expected) {
  const page = await browser.newPage()
  await step(page, name, async () => {
    const unexpected = errors.filter((e) => !expected?.test(e))
    assert(unexpected.length === 0, unexpected.join('\n'))
  })
  await page.close()
}

// buttons and links without a name, among the visible ones
async function unnamed(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], [role=button]')]
      .filter((e) => e.checkVisibility({ visibilityProperty: true }))
      .filter((e) => !(e.getAttribute('aria-label') || e.innerText || e.title || '').trim())
      .map((e) => e.outerHTML.slice(0, 120)),
  )
}
// visible form fields without a label (a <label for>, aria-label or aria-labelledby)
async function unlabelled(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((e) => e.checkVisibility({ visibilityProperty: true }) && !e.readOnly)
      .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')))
      .map((e) => e.outerHTML.slice(0, 120)),
  )
}
export async function named(page) {
  const u = [...(await unnamed(page)), ...(await unlabelled(page))]
  assert(u.length === 0, `unnamed controls: ${u.join(' ')}`)
}
// Element Plus passes data-test through to the <input> of <el-input>
export const field = (page, name) => page.locator(`input[data-test=${name}]`)

export async function login(page, user, pw) {
  await field(page, 'username').fill(user)
  await field(page, 'password').fill(pw)
  await page.locator('[data-test=login-submit]').click()
}

export async function changePassword(page, pw, confirm = pw) {
  await field(page, 'new-password').fill(pw)
  await field(page, 'confirm-password').fill(confirm)
  await page.locator('[data-test=change-submit]').click()
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  })
}
