// The applications and satisfaction journeys of the web UI (issue 7 §2, after journey.mjs set
// the passwords): open a service application through the form and move it through its stages
// to completion, seeing the timeline with its working-day deadlines; the overdue application
// marked; the satisfaction page (CSAT / CSI against the targets, answers, campaigns,
// templates) and recording a callback answer; the dashboard's satisfaction trend; and on the
// collections page the disconnection of an important customer: one approver is refused, the
// second approver's password completes it, the order appears and its final notice is sent.
// Each new page at 360 px and in English. Browser clock at the server's pinned "now"
// (2025-07-01). Environment: PMIS_WEB_BASE, PMIS_WEB_SHOTS, APPROVER_PW (zhuguan's and
// fuzong's), SURVEY_OPEN (an archived order without an answer), HOSP_ACCT (seed-apply.sh).
import {
  base, ADMIN_PW, failures, notOk, assert, errors, watch, step, shot, text, field, login, launch,
  PHONE, phonePages, noErrors,
} from './lib.mjs'

const NOW = new Date('2025-07-01T02:00:00Z')
const browser = await launch()
const rows = (page, table) => page.locator(`[data-test=${table}] .el-table__body tr`)
// visible buttons and links without a name, and form fields without a label
const unnamed = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], [role=button], input:not([type=hidden]), textarea')]
      .filter((e) => e.checkVisibility({ visibilityProperty: true }) && !e.readOnly)
      .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') ||
        (e.tagName !== 'INPUT' && e.tagName !== 'TEXTAREA' && (e.innerText || e.title || '').trim())))
      .map((e) => e.outerHTML.slice(0, 120)),
  )
async function named(page) {
  const u = await unnamed(page)
  assert(u.length === 0, `unnamed controls: ${u.join(' ')}`)
}
async function newPage(ctx, label) {
  const page = await ctx.newPage()
  page.setDefaultTimeout(10000)
  await page.clock.setFixedTime(NOW)
  watch(page, label)
  return page
}
const stageState = (page, s) => page.locator(`[data-test=stage-${s}]`).getAttribute('data-state')
let appId = null

try {
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await newPage(ctx, 'apply')
    await step(page, 'applications: the list with deadlines, the overdue one marked', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-applications]').click()
      const row = rows(page, 'apps').filter({ hasText: '王五' })
      await row.waitFor()
      const t = await row.innerText()
      assert(t.includes('低压居民新装') && t.includes('受理') && t.includes('已超期'), `row: ${t}`)
      await named(page)
      await shot(page, 'applications-zh')
    })
    await step(page, 'applications: a new connection opened through the form', async () => {
      await page.locator('[data-test=new-app]').click()
      await field(page, 'nf-org').fill('ZJ-HZ-XH')
      await field(page, 'nf-name').fill('赵六')
      await field(page, 'nf-address').fill('杭州市西湖区天目山路6号')
      await field(page, 'nf-capacity').fill('8千伏安')
      await field(page, 'nf-tariff').fill('WEB-FLAT')
      await page.locator('[data-test=nf-submit]').click()
      await page.getByText(/capacity_kva '8千伏安'/).first().waitFor() // the API's error, shown
      await field(page, 'nf-capacity').fill('8')
      await shot(page, 'application-new-zh')
      await page.locator('[data-test=nf-submit]').click()
      await page.waitForURL(/\/applications\/\d+$/)
      appId = page.url().match(/(\d+)$/)[1]
      await page.getByText(`申请 #${appId} 已受理`).waitFor()
      assert((await text(page, '[data-test=app-stage]')) === '受理', 'at acceptance')
      for (const s of ['accept', 'survey', 'scheme', 'inspect', 'connect'])
        assert((await page.locator(`[data-test=stage-${s}]`).count()) === 1, `stage ${s} on the timeline`)
      assert((await page.locator('[data-test=stage-design]').count()) === 0, 'a residential connection has no design review')
      assert((await stageState(page, 'accept')) === 'ok', 'acceptance running')
      assert((await stageState(page, 'survey')) === 'pending', 'survey not started')
      const acc = await text(page, '[data-test=stage-accept]')
      assert(acc.includes('时限 1 个工作日') && acc.includes('时限 2025-07-03 00:00') && acc.includes('未完成'), `acceptance: ${acc}`)
      // five working days end to end: Tuesday 1 July to the end of Tuesday 8 July
      assert((await text(page, '[data-test=app-deadline]')) === '2025-07-09 00:00', 'five working days end to end')
      await named(page)
    })
    await step(page, 'applications: advanced stage by stage, each done time shown', async () => {
      for (const [next, name] of [['survey', '勘查'], ['scheme', '供电方案答复'], ['inspect', '竣工检验'], ['connect', '装表接电']]) {
        await page.locator('[data-test=advance]').click()
        await page.getByText(`已进入下一环节：${name}`).first().waitFor()
        assert((await text(page, '[data-test=app-stage]')) === name, `now at ${name}`)
        assert((await stageState(page, next)) === 'ok', `${next} running`)
      }
      assert((await stageState(page, 'accept')) === 'met', 'acceptance met')
      assert((await text(page, '[data-test=stage-accept] [data-test=stage-done]')).includes('2025-07-01 10:00'), 'done time')
      assert((await page.locator('[data-test=advance]').count()) === 0, 'no advance at the last stage')
      await shot(page, 'application-stages-zh')
    })
    await step(page, 'applications: completed with the meter, every stage met', async () => {
      await page.locator('[data-test=complete]').click()
      await page.getByText('新装办结需要给出要安装的电能表').first().waitFor() // the API's refusal, in Chinese
      assert((await text(page, '[data-test=app-state]')) === '办理中', 'nothing changed')
      await field(page, 'done-meter').fill('WA-1')
      await page.locator('[data-test=complete]').click()
      await page.getByText('申请已办结').first().waitFor()
      assert((await text(page, '[data-test=app-state]')) === '已办结', 'completed')
      for (const s of ['accept', 'survey', 'scheme', 'inspect', 'connect'])
        assert((await stageState(page, s)) === 'met', `${s} met`)
      const a = await page.evaluate(async (id) => (await fetch(`/api/v1/applications/${id}`)).json(), appId)
      assert(a.state === 'completed' && a.cust_no, `the archive has the customer: ${JSON.stringify(a).slice(0, 200)}`)
      await shot(page, 'application-done-zh')
    })
    await step(page, 'applications: the overdue one has its stage marked overdue', async () => {
      await page.goto(`${base}/applications`)
      await rows(page, 'apps').filter({ hasText: '王五' }).locator('a').click()
      await page.locator('[data-test=stage-accept] [data-test=overdue]').waitFor()
      assert((await stageState(page, 'accept')) === 'breached', 'acceptance breached')
      assert((await text(page, '[data-test=app-title]')).includes('低压居民新装'), 'title')
      await shot(page, 'application-overdue-zh')
    })
    await step(page, 'satisfaction: CSAT and CSI against the targets, answers, campaigns, templates', async () => {
      await page.locator('[data-test=nav-satisfaction]').click()
      await rows(page, 'report').first().waitFor()
      assert((await text(page, '[data-test=targets]')).includes('≥ 95%') && (await text(page, '[data-test=targets]')).includes('≥ 90%'), 'targets')
      const hz = await rows(page, 'report').filter({ hasText: 'ZJ-HZ)' }).innerText()
      assert(hz.includes('100.00%') && hz.includes('达标'), `HZ row: ${hz}`)
      const total = await rows(page, 'report').filter({ hasText: '合计' }).innerText()
      assert(total.includes('100.00%') && total.includes('90.00'), `total (CSI of the one scored answer, 90.00): ${total}`)
      assert((await rows(page, 'report').filter({ hasText: '投诉回访' }).innerText()).includes('无数据'), 'no complaints answered')
      await page.locator('[data-test=chart-csat] svg').waitFor()
      await rows(page, 'answers').nth(1).waitFor()
      assert((await rows(page, 'campaigns').filter({ hasText: '六月回访' }).count()) === 1, 'the campaign')
      const tpl = await text(page, '[data-test=template-callback-1]')
      assert(tpl.includes('服务效率') && tpl.includes('电价透明度') && tpl.includes('30'), `template: ${tpl}`)
      await named(page)
      await shot(page, 'satisfaction-zh')
    })
    await step(page, 'satisfaction: by dimension', async () => {
      await page.locator('[data-test=r-by]').click()
      await page.locator('.el-select-dropdown__item').filter({ hasText: '按评价维度' }).click()
      await page.locator('[data-test=r-go]').click()
      await rows(page, 'report').filter({ hasText: '售后服务' }).waitFor()
      assert((await rows(page, 'report').filter({ hasText: '服务效率' }).innerText()).includes('100.00'), 'efficiency 5 → 100')
    })
    await step(page, 'satisfaction: a callback answer recorded for a closed order', async () => {
      await page.locator('[data-test=record-open]').click()
      await field(page, 'rec-ticket').fill(process.env.SURVEY_OPEN)
      await page.locator('[data-test=rec-dissatisfied]').click()
      await page.locator('[data-test=rec-submit]').click()
      await page.getByText(/comment|意见/).first().waitFor() // dissatisfied needs a comment: the API says so
      await page.locator('[data-test=rec-basically_satisfied]').click()
      await page.locator('textarea[data-test=rec-comment]').fill('工作人员解释清楚')
      await shot(page, 'satisfaction-record-zh')
      await page.locator('[data-test=rec-submit]').click()
      await page.getByText(`工单 ${process.env.SURVEY_OPEN} 回访已登记`).first().waitFor()
      await rows(page, 'answers').filter({ hasText: '工作人员解释清楚' }).waitFor()
      await page.locator('[data-test=record-open]').click()
      await field(page, 'rec-ticket').fill(process.env.SURVEY_OPEN)
      await page.locator('[data-test=rec-submit]').click()
      await page.getByText(/每张工单只记录一次回访结果/).first().waitFor() // a second, different answer: 409
      await page.keyboard.press('Escape')
    })
    await step(page, 'dashboard: the satisfaction trend', async () => {
      await page.goto(`${base}/`)
      await page.locator('[data-test=chart-csat] svg').waitFor()
      assert((await page.locator('[data-test=chart-csat]').getAttribute('aria-label')).includes('满意率'), 'chart label')
      await shot(page, 'dashboard-csat-zh')
    })
    await step(page, 'collections: an important customer needs the second approver; the order and its final notice', async () => {
      const acct = process.env.HOSP_ACCT
      await page.locator('[data-test=nav-collections]').click()
      await rows(page, 'candidates').filter({ hasText: acct }).filter({ hasText: '重要客户' }).filter({ hasText: '可停电' }).waitFor()
      await page.locator(`[data-test=disconnect-${acct}]`).click()
      await field(page, 'appr-approver').fill('zhuguan')
      await field(page, 'appr-password').fill(process.env.APPROVER_PW)
      await page.locator('[data-test=appr-submit]').click()
      await page.getByText(`${acct} 是重要客户：停电还须第二授权人批准`).first().waitFor()
      await field(page, 'appr-password').fill(process.env.APPROVER_PW)
      await field(page, 'appr-second').fill('fuzong')
      await field(page, 'appr-second-password').fill(process.env.APPROVER_PW)
      await shot(page, 'collections-approve-zh')
      await page.locator('[data-test=appr-submit]').click()
      await page.getByText('停电工单已下达').first().waitFor()
      const order = rows(page, 'orders').filter({ hasText: acct })
      await order.waitFor()
      assert((await order.innerText()).includes('zhuguan / fuzong'), 'both approvers on the order')
      const id = (await order.innerText()).trim().split(/\s+/)[0]
      await page.locator(`[data-test=final-${id}]`).click()
      await page.getByText('停电前告知已发送').first().waitFor()
      await page.locator(`[data-test=final-at-${id}]`).waitFor()
      await shot(page, 'collections-disconnect-zh')
    })
    await ctx.close()
  }

  // ---------------- English ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
    const page = await newPage(ctx, 'apply-en')
    await step(page, 'en: the application timeline and the satisfaction page in English', async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=lang-en]').click()
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.goto(`${base}/applications/${appId}`)
      await page.getByText('Meter installation and energisation').first().waitFor()
      assert((await text(page, '[data-test=app-state]')) === 'Completed', 'state in English')
      await shot(page, 'application-en')
      await page.goto(`${base}/satisfaction`)
      await rows(page, 'report').first().waitFor()
      assert((await text(page, '[data-test=targets]')).includes('after complaints'), 'targets in English')
      await shot(page, 'satisfaction-en')
    })
    await ctx.close()
  }

  // ---------------- phone, 360 px ----------------
  {
    const ctx = await browser.newContext(PHONE)
    const page = await newPage(ctx, 'apply-phone')
    await page.goto(`${base}/login`)
    await login(page, 'admin', ADMIN_PW)
    await page.waitForURL(`${base}/`)
    const pages = [
      ['applications', '/applications', '[data-test=apps] .el-table__body tr'],
      ['application', `/applications/${appId}`, '[data-test=timeline]'],
      ['satisfaction', '/satisfaction', '[data-test=report] .el-table__body tr'],
    ]
    await phonePages(page, pages)
    await ctx.close()
  }
  // the second answer for an order is refused on purpose (409), as the step checks
  await noErrors(browser, 'apply: no JavaScript errors or policy (CSP) violations', /status of 409 \(Conflict\)/)
} catch (e) {
  notOk('browser: the applications journeys ran to the end', e)
} finally {
  await browser.close()
}
process.exit(failures() ? 1 : 0)
