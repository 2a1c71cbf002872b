// The browser journeys of the web UI (issue 7 §5), in Debian's chromium driven by
// playwright-core, against a running `pmis serve` (tests/web/run.sh sets it up):
//   Chinese: wrong password, first login with the one-time password change, dashboard,
//   customer search with masked personal data and server-side pages, a deep link, logout;
//   English: the same login journey and the customer page; phone: 360 px wide, no page wider
//   than the screen. Screenshots of every page go to $PMIS_WEB_SHOTS. Prints TAP lines.
// Environment: PMIS_WEB_BASE, PMIS_WEB_SHOTS, ADMIN_OTP, EN_USER, EN_OTP, CHROMIUM (optional).
import {
  base, shots, ADMIN_PW, EN_PW, failures, notOk, assert, errors, watch, step, shot, text,
  noSideScroll, field, login, changePassword, launch, PHONE, noErrors,
} from './lib.mjs'

const adminOtp = process.env.ADMIN_OTP
const enUser = process.env.EN_USER
const enOtp = process.env.EN_OTP
const browser = await launch()

try {
  // ---------------- 中文 ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'zh')
    await step(page, 'zh: / without a session goes to the login page, in Chinese', async () => {
      await page.goto(`${base}/`)
      await page.waitForURL(/\/login/)
      assert((await text(page, 'h1')) === '电力营销信息系统', 'title')
      assert((await page.getAttribute('html', 'lang')) === 'zh-CN', 'html lang')
      await shot(page, 'login-zh')
    })
    await step(page, 'zh: a wrong password shows the error in Chinese', async () => {
      await login(page, 'admin', 'not-the-password-1')
      const err = await text(page, '[data-test=login-error]')
      assert(err.includes('用户名或密码错误'), `error text: ${err}`)
      await shot(page, 'login-error-zh')
    })
    await step(page, 'zh: the one-time password leads to the password change', async () => {
      await login(page, 'admin', adminOtp)
      await page.locator('[data-test=change-form]').waitFor()
      assert((await text(page, '[data-test=change-form] h2')) === '修改初始密码', 'change title')
      await shot(page, 'change-password-zh')
    })
    await step(page, 'zh: differing confirmation is caught in the form', async () => {
      await changePassword(page, ADMIN_PW, `${ADMIN_PW}x`)
      await page.getByText('两次输入的密码不一致').waitFor({ timeout: 5000 })
    })
    await step(page, "zh: the server's password rule is shown in Chinese", async () => {
      await changePassword(page, 'abc123')
      const err = await text(page, '[data-test=login-error]')
      assert(err.includes('密码太短：至少 10 个字符'), `error text: ${err}`)
    })
    await step(page, 'zh: a good new password opens the dashboard with user and org', async () => {
      await changePassword(page, ADMIN_PW)
      await page.waitForURL(`${base}/`)
      const welcome = await text(page, '[data-test=welcome]')
      assert(welcome.startsWith('欢迎'), `welcome: ${welcome}`)
      await page.locator('[data-test=kpis]').waitFor()
      const org = await text(page, '[data-test=org]')
      assert(org.length > 0, 'org shown')
      await shot(page, 'dashboard-zh')
    })
    await step(page, 'zh: customer search by name, personal data masked', async () => {
      await page.locator('[data-test=nav-customers]').click()
      await page.waitForURL(/\/customers$/)
      await field(page, 'search-text').fill('张三')
      await page.locator('[data-test=search-submit]').click()
      const row = page.locator('[data-test=results] .el-table__body tr').filter({ hasText: '张三' })
      await row.first().waitFor()
      const phone = await row.first().locator('[data-test=phone]').innerText()
      assert(/^1\d{2}\*{4}\d{4}$/.test(phone), `masked phone: ${phone}`)
      const html = await page.content()
      assert(!html.includes('13812345678') && !html.includes('110101199003071233'), 'no clear personal data')
      assert((await text(page, '[data-test=results]')).includes('居民'), 'user type in Chinese')
      await shot(page, 'customers-zh')
    })
    await step(page, 'zh: server-side pages (keyset) forward and back', async () => {
      await field(page, 'search-text').fill('')
      await page.locator('[data-test=page-size]').click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: /^10$/ }).click()
      const rows = page.locator('[data-test=results] .el-table__body tr')
      await page.waitForFunction(() => document.querySelectorAll('[data-test=results] .el-table__body tr').length === 10)
      const first = await rows.first().innerText()
      await page.locator('[data-test=page-next]').click()
      await page.getByText('第 2 页').waitFor()
      await page.waitForFunction((f) => {
        const r = document.querySelector('[data-test=results] .el-table__body tr')
        return r && r.innerText !== f
      }, first)
      const count = await rows.count()
      assert(count >= 1 && count <= 10, `page 2 rows: ${count}`)
      await page.locator('[data-test=page-prev]').click()
      await page.getByText('第 1 页').waitFor()
      await page.waitForFunction((f) => document.querySelector('[data-test=results] .el-table__body tr')?.innerText === f, first)
    })
    await step(page, 'zh: a deep link is answered by the page (SPA fallback)', async () => {
      await page.goto(`${base}/customers`)
      await page.locator('[data-test=results] .el-table__body tr').first().waitFor()
      assert((await text(page, 'h1')) === '客户查询', 'customers title')
    })
    await step(page, 'zh: logout (a write with the CSRF token) ends the session', async () => {
      await page.locator('[data-test=logout]').click()
      await page.waitForURL(/\/login/)
      const status = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status)
      assert(status === 401, `/auth/me after logout: ${status}`)
    })
    await ctx.close()
  }

  // ---------------- English ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'en')
    await step(page, 'en: the language switch turns the login page to English', async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=lang-en]').click()
      await page.getByText('Power Marketing Information System').first().waitFor()
      assert((await page.getAttribute('html', 'lang')) === 'en', 'html lang')
      await shot(page, 'login-en')
    })
    await step(page, 'en: a wrong password shows the error in English', async () => {
      await login(page, enUser, 'not-the-password-1')
      const err = await text(page, '[data-test=login-error]')
      assert(err.includes('invalid user name or password'), `error text: ${err}`) // the server's English
    })
    await step(page, 'en: first login, password change, dashboard in English', async () => {
      await login(page, enUser, enOtp)
      await page.locator('[data-test=change-form]').waitFor()
      assert((await text(page, '[data-test=change-form] h2')) === 'Change your one-time password', 'change title')
      await shot(page, 'change-password-en')
      await changePassword(page, EN_PW)
      await page.waitForURL(`${base}/`)
      const welcome = await text(page, '[data-test=welcome]')
      assert(welcome.startsWith('Welcome'), `welcome: ${welcome}`)
      await page.locator('[data-test=org]', { hasText: '杭州' }).waitFor()
      const org = await text(page, '[data-test=org]')
      assert(org.includes('ZJ-HZ') && org.includes('杭州'), `org: ${org}`)
      await shot(page, 'dashboard-en')
    })
    await step(page, 'en: customers in English, only the own subtree', async () => {
      await page.locator('[data-test=nav-customers]').click()
      await page.locator('[data-test=results] .el-table__body tr').first().waitFor()
      const t = await text(page, '[data-test=results]')
      assert(t.includes('Customer no.') && t.includes('Residential'), 'English headers and codes')
      assert(!t.includes('李四'), 'a customer of another city is not listed')
      await shot(page, 'customers-en')
    })
    await step(page, 'en: the choice survives a reload', async () => {
      await page.reload()
      await page.getByText('Customer search').first().waitFor()
    })
    await ctx.close()
  }

  // ---------------- phone, 360 px ----------------
  {
    const ctx = await browser.newContext(PHONE)
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'phone')
    await step(page, 'phone: login page fits 360 px', async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=login-form]').waitFor()
      await noSideScroll(page)
      await shot(page, 'mobile-login')
    })
    await step(page, 'phone: dashboard fits 360 px', async () => {
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=welcome]').waitFor()
      await noSideScroll(page)
      await shot(page, 'mobile-dashboard')
    })
    await step(page, 'phone: customer search fits 360 px (the table scrolls inside)', async () => {
      await page.locator('[data-test=nav-customers]').tap()
      await page.locator('[data-test=results] .el-table__body tr').first().waitFor()
      await noSideScroll(page)
      await shot(page, 'mobile-customers')
    })
    await ctx.close()
  }
  await noErrors(browser, 'no JavaScript errors or policy (CSP) violations in any page')
} catch (e) {
  notOk('browser: the journeys ran to the end', e)
} finally {
  await browser.close()
}
process.stdout.write(`# screenshots in ${shots}\n`)
process.exit(failures() ? 1 : 0)
