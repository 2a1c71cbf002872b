// The desk journeys of the web UI (issue 7 §5), after journey.mjs (which set the passwords):
// the KPI dashboard with its charts; search a customer and open the 360° view (archive,
// meter readings chart, bills with explain, ledger); reveal a phone number and find the
// reveal in the audit log through the API and on the audit page; post a payment at the cash
// desk and see the receipt and the ledger change; reverse it with an approver; the daily close; approve a review item and
// release the bill run; collections; a cashier refused an administration page; the 360° view
// in English; every page 360 px wide without horizontal scrolling; buttons and links named,
// and the main actions reachable with the Tab key. Prints TAP lines; screenshots go to
// $PMIS_WEB_SHOTS. Environment: PMIS_WEB_BASE, PMIS_WEB_SHOTS, CASHIER_OTP, EN_USER,
// APPROVER_PW (zhuguan's, a manager who approves the reversal).
import {
  base, ADMIN_PW, EN_PW, failures, notOk, assert, errors, watch, step, shot, text, field, login,
  changePassword, launch, named, PHONE, phonePages, noErrors,
} from './lib.mjs'

const CASHIER_PW = 'Shoufei2025pw'
const browser = await launch()
const rows = (page, table) => page.locator(`[data-test=${table}] .el-table__body tr`)

// whether pressing Tab from the top of the page reaches `sel` within `max` presses
async function tabReaches(page, sel, max = 80) {
  // a dialog still closing keeps the focus inside it: wait until no overlay is shown
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.el-overlay')].every((e) => getComputedStyle(e).display === 'none'))
  await page.evaluate(() => document.activeElement?.blur())
  await page.locator('body').focus()
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate((s) => document.activeElement?.closest(s) !== null, sel)) return true
  }
  return false
}

try {
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'desk')
    await step(page, 'dashboard: KPIs and four charts of the scope', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=chart-kwh] svg').waitFor()
      assert((await text(page, '[data-test=kpi-kwh]')) === '1,320.00 kWh', 'latest month sales')
      assert((await text(page, '[data-test=kpi-revenue]')) === '¥660.00', 'latest month revenue')
      assert((await text(page, '[data-test=kpi-arrears]')).startsWith('¥'), 'arrears')
      for (const c of ['kwh', 'revenue', 'rate', 'aging'])
        assert((await page.locator(`[data-test=chart-${c}] svg`).count()) === 1, `chart ${c}`)
      assert((await page.locator('[data-test=chart-kwh]').getAttribute('aria-label')).includes('售电量'), 'chart label')
      await named(page)
      await shot(page, 'dashboard-zh')
    })
    await step(page, 'search a customer and open the 360° view', async () => {
      await page.locator('[data-test=nav-customers]').click()
      await field(page, 'search-text').fill('张三')
      await page.locator('[data-test=search-submit]').click()
      await page.locator('[data-test=open-1000000000]').click()
      await page.waitForURL(/\/customers\/1000000000$/)
      assert((await text(page, '[data-test=c360-title]')).startsWith('张三'), 'title')
      assert((await text(page, '[data-test=meter]')) === 'WM-1', 'meter')
      await page.locator('[data-test=readings-chart] svg').waitFor()
      await rows(page, 'bills').first().waitFor()
      assert((await rows(page, 'bills').count()) === 3, 'three bills')
      assert((await text(page, '[data-test=balance]')) === '¥111.00', 'balance')
      assert((await text(page, '[data-test=history]')).includes('WM-1'), 'history has the meter')
      assert(/^138\*{4}5678$/.test(await text(page, '[data-test=c360-phone]')), 'phone masked')
      await named(page)
      await shot(page, 'customer-360-zh')
    })
    await step(page, "the 360° view: the customer's work orders and callback surveys (server pages)", async () => {
      // seed-service.sh: orders 1 (complaint, 接单), 3 (fault) and 4 (consult) are 张三's
      await rows(page, 'c360-orders').first().waitFor()
      const ids = await page.locator('[data-test^=c360-order-]').filter({ hasNotText: /\D/ }).allInnerTexts()
      assert(JSON.stringify(ids) === '["1","3","4"]', `张三's orders only: ${ids}`)
      assert((await text(page, '[data-test=c360-orders]')).includes('接单'), 'the states in Chinese')
      await page.getByRole('tab', { name: '回访' }).click()
      await page.locator('[data-test=c360-surveys]').getByText('该客户没有回访记录').waitFor()
      // seed-apply.sh: 杭州第1纺织有限公司's consult order was answered 满意
      await page.goto(`${base}/customers/1000000003`)
      await rows(page, 'c360-orders').first().waitFor()
      assert((await text(page, '[data-test=c360-orders]')).includes('归档'), 'its archived order')
      await page.getByRole('tab', { name: '回访' }).click()
      await page.locator('[data-test=c360-survey-result]', { hasText: '满意' }).waitFor()
      assert((await rows(page, 'c360-surveys').count()) === 1, 'one answer')
      await named(page)
      await shot(page, 'customer-360-surveys-zh')
      await page.goto(`${base}/customers/1000000000`)
      await rows(page, 'bills').first().waitFor()
    })
    await step(page, 'a bill explains its arithmetic', async () => {
      await page.locator('[data-test=explain-2025-05]').click()
      await page.locator('[data-test=explain-total]').filter({ hasText: '¥110.00' }).waitFor()
      assert((await text(page, '[data-test=explain-lines]')).includes('220.000 kWh × 0.50 = 110.00'), 'arithmetic')
      await shot(page, 'bill-explain-zh')
      await page.keyboard.press('Escape')
      await page.locator('[data-test=explain-lines]').waitFor({ state: 'hidden' })
    })
    await step(page, 'the reveal button is reachable with the keyboard', async () => {
      assert(await tabReaches(page, '[data-test=reveal-phone]'), 'Tab never reached the reveal button')
    })
    await step(page, 'reveal a phone number with a reason: shown, and audited (API and audit page)', async () => {
      await page.locator('[data-test=reveal-phone]').click()
      await page.locator('[data-test=reveal-confirm]').click()
      await page.getByText('请填写查看原因', { exact: true }).waitFor()
      await field(page, 'reveal-reason').fill('客户来电核实身份')
      await page.locator('[data-test=reveal-confirm]').click()
      await page.locator('[data-test=c360-phone]', { hasText: '13812345678' }).waitFor()
      const audit = await page.evaluate(async () => (await fetch('/api/v1/audit?action=pii.reveal')).json())
      const row = audit.items.find((r) => r.entity_key === '1000000000')
      assert(row && row.actor === 'admin' && row.detail === 'field=phone reason=客户来电核实身份', `audit row: ${JSON.stringify(row)}`)
      await shot(page, 'customer-360-revealed-zh')
      await page.locator('[data-test=nav-audit]').click()
      // server pages of the whole log, newest first: page 2 starts below page 1's last id
      await rows(page, 'audit-rows').first().waitFor()
      const firstIds = await page.locator('[data-test=audit-rows] .el-table__body tr td:first-child').allInnerTexts()
      await page.locator('[data-test=audit-page-next]').click()
      await page.locator('[data-test=audit-page-no]', { hasText: '2' }).waitFor()
      await page.waitForFunction((last) => {
        const td = document.querySelector('[data-test=audit-rows] .el-table__body tr td:first-child')
        return td && Number(td.innerText) < last
      }, Number(firstIds[firstIds.length - 1]))
      await page.locator('[data-test=audit-page-prev]').click()
      await page.locator('[data-test=audit-page-no]', { hasText: '1' }).waitFor()
      await field(page, 'audit-action').fill('pii.reveal')
      await page.locator('[data-test=audit-submit]').click()
      await rows(page, 'audit-rows').filter({ hasText: '客户来电核实身份' }).first().waitFor()
      await shot(page, 'audit-zh')
    })
    await step(page, 'cash desk: a bad amount is refused in the form', async () => {
      await page.locator('[data-test=nav-cash]').click()
      await field(page, 'cash-find').fill('100000000001')
      await page.locator('[data-test=cash-find-submit]').click()
      await page.locator('[data-test=cash-balance]', { hasText: '¥111.00' }).waitFor()
      await named(page)
      await field(page, 'pay-amount').fill('12.345')
      await page.locator('[data-test=pay-submit]').click()
      await page.getByText('金额格式不正确').waitFor()
    })
    await step(page, 'cash desk: post a payment, print the receipt, the ledger changes', async () => {
      await field(page, 'pay-amount').fill('50')
      await page.locator('[data-test=pay-submit]').click()
      const no = await text(page, '[data-test=receipt-no]')
      assert(/^SK\d{10}$/.test(no), `receipt ${no}`)
      // the late fee is accrued to the payment date first, then the 50.00 is allocated
      await page.waitForFunction(() => document.querySelector('[data-test=cash-balance]')?.innerText !== '¥111.00')
      const balance = await text(page, '[data-test=cash-balance]')
      const ledger = await page.evaluate(async () => (await fetch('/api/v1/accounts/100000000001/ledger')).json())
      assert(balance === `¥${ledger.balance}`, `balance ${balance} vs ${ledger.balance}`)
      assert((await text(page, '[data-test=receipt]')).includes(balance), 'the receipt shows the balance')
      assert((await text(page, '[data-test=cash-payments]')).includes(no), 'listed')
      await shot(page, 'cash-receipt-zh')
      await page.emulateMedia({ media: 'print' })
      assert(await page.locator('[data-test=receipt]').isVisible(), 'the receipt prints')
      assert(!(await page.locator('.nav').isVisible()), 'the navigation does not')
      await page.emulateMedia({ media: 'screen' })
      await page.goto(`${base}/customers/1000000000`)
      await rows(page, 'ledger').filter({ hasText: no }).waitFor()
      const row = await rows(page, 'ledger').filter({ hasText: no }).innerText()
      assert(row.includes('¥50.00') && row.includes(balance), `ledger row: ${row}`)
      assert((await text(page, '[data-test=balance]')) === balance, 'the 360° view has the new balance')
    })
    await step(page, 'cash desk: a reversal needs an approver, then the balance is back', async () => {
      await page.goto(`${base}/cash`)
      await field(page, 'cash-find').fill('张三')
      await page.locator('[data-test=cash-find-submit]').click()
      await rows(page, 'cash-payments').first().waitFor()
      const before = await text(page, '[data-test=cash-balance]')
      const receipt = (await rows(page, 'cash-payments').first().innerText()).match(/SK\d{10}/)[0]
      await page.locator(`[data-test=reverse-${receipt}]`).click()
      await field(page, 'rev-reason').fill('金额录入错误')
      await field(page, 'rev-approver').fill('zhuguan')
      await field(page, 'rev-password').fill('wrong-password-1')
      await page.locator('[data-test=rev-submit]').click()
      // the server's own message, in Chinese because the UI asks for it (Accept-Language)
      await page.getByText("审批人 'zhuguan' 验证失败").first().waitFor()
      await field(page, 'rev-password').fill(process.env.APPROVER_PW)
      await page.locator('[data-test=rev-submit]').click()
      await rows(page, 'cash-payments').filter({ hasText: receipt }).filter({ hasText: '已冲正' }).waitFor()
      const after = await text(page, '[data-test=cash-balance]')
      assert(after !== before, `balance unchanged: ${after}`)
      await shot(page, 'cash-reversed-zh')
    })
    await step(page, 'cash desk: the daily close', async () => {
      await page.goto(`${base}/cash`)
      // 50.00 received and reversed: the drawer must hold nothing more, else 409 names the gap
      await field(page, 'close-counted').fill('0.00')
      await page.locator('[data-test=close-submit]').click()
      await page.locator('[data-test=close-result]').waitFor()
      const t = await text(page, '[data-test=close-result]')
      assert(t.includes('¥50.00') && t.includes('柜台') && t.includes('收保证金'), `counter received and reversed, deposit columns: ${t}`)
      await shot(page, 'cash-close-zh')
    })
    await step(page, 'billing: approve the review item and release the run', async () => {
      await page.locator('[data-test=nav-billing]').click()
      await page.locator('[data-test=open-run-3]').click()
      await rows(page, 'queue').first().waitFor()
      await named(page)
      assert((await text(page, '[data-test=queue]')).includes('consumption spike'), 'review reason')
      await page.locator('[data-test=hold-6]').click()
      await page.getByText('暂挂须填写审核意见').waitFor()
      await page.locator('[data-test=approve-6]').click()
      await page.getByText('没有待审核的账单').waitFor()
      await shot(page, 'billing-queue-zh')
      await page.locator('[data-test=issue]').click()
      await page.locator('[data-test=issued-note]').waitFor()
      const status = await page.evaluate(async () => (await (await fetch('/api/v1/bill-runs/3')).json()).status)
      assert(status === 'issued', `run status ${status}`)
      await shot(page, 'billing-zh')
    })
    await step(page, 'collections: aging, arrears, a disconnection notice served', async () => {
      await page.locator('[data-test=nav-collections]').click()
      await rows(page, 'aging').first().waitFor()
      await rows(page, 'arrears').first().waitFor()
      await rows(page, 'candidates').first().waitFor()
      await named(page)
      await page.locator('[data-test=notice-100000000201]').click()
      await rows(page, 'candidates').filter({ hasText: '100000000201' }).filter({ hasText: '通知期内' }).waitFor()
      await shot(page, 'collections-zh')
    })
    await ctx.close()
  }

  // ---------------- a cashier and an administration page ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'cashier')
    await step(page, 'a cashier is refused the audit log (an administration page)', async () => {
      await page.goto(`${base}/admin/audit`)
      await login(page, 'cashier1', process.env.CASHIER_OTP)
      await changePassword(page, CASHIER_PW)
      await page.locator('[data-test=forbidden]').waitFor()
      assert((await text(page, '[data-test=forbidden]')).includes('audit:read'), 'names the permission')
      assert((await page.locator('[data-test=nav-audit]').count()) === 0, 'no link to it')
      assert((await page.locator('[data-test=nav-cash]').count()) === 1, 'the cash desk is there')
      const status = await page.evaluate(async () => (await fetch('/api/v1/audit')).status)
      assert(status === 403, `the API refuses too: ${status}`)
      await shot(page, 'forbidden-cashier-zh')
    })
    await ctx.close()
  }

  // ---------------- English ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'en-desk')
    await step(page, 'en: the 360° view in English', async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=lang-en]').click()
      await login(page, process.env.EN_USER, EN_PW)
      await page.waitForURL(`${base}/`)
      await page.goto(`${base}/customers/1000000000`)
      await page.getByText('Customer record').waitFor()
      assert((await text(page, '[data-test=archive]')).includes('Residential'), 'user type in English')
      await rows(page, 'c360-orders').first().waitFor()
      assert((await text(page, '[data-test=c360-orders]')).includes('Accepted'), 'order states in English')
      await page.getByRole('tab', { name: 'Callback surveys' }).click()
      await page.locator('[data-test=c360-surveys]').getByText('This customer has no callback surveys').waitFor()
      await page.locator('[data-test=readings-chart] svg').waitFor()
      await shot(page, 'customer-360-en')
    })
    await step(page, 'en: a customer of another city is not found', async () => {
      await page.goto(`${base}/customers/1000000001`)
      await page.locator('[data-test=c360-error]').waitFor()
    })
    await ctx.close()
  }

  // ---------------- phone, 360 px ----------------
  {
    const ctx = await browser.newContext(PHONE)
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'phone-desk')
    await page.goto(`${base}/login`)
    await login(page, 'admin', ADMIN_PW)
    await page.waitForURL(`${base}/`)
    const pages = [
      ['dashboard', '/', '[data-test=chart-aging] svg'],
      ['customer-360', '/customers/1000000000', '[data-test=readings-chart] svg'],
      ['billing', '/billing', '[data-test=runs] .el-table__body tr'],
      ['cash', '/cash', '[data-test=close-submit]'],
      ['collections', '/collections', '[data-test=aging] .el-table__body tr'],
      ['audit', '/admin/audit', '[data-test=audit-rows] .el-table__body tr'],
      ['forbidden', '/forbidden?perm=x', '[data-test=forbidden]'],
    ]
    await phonePages(page, pages)
    await ctx.close()
  }
  await noErrors(browser, 'desk: no JavaScript errors or policy (CSP) violations')
} catch (e) {
  notOk('browser: the desk journeys ran to the end', e)
} finally {
  await browser.close()
}
process.exit(failures() ? 1 : 0)
