// The service centre's journeys (issue 7 §2, §5), on tests/web/seed-service.sh's data at the
// pinned "now" 2025-07-01T02:00:00Z (10:00 in Shanghai): the order queue with SLA colours and
// countdowns, filters and server-side pages; a complaint's whole loop done by the right roles —
// intake by the service agent (the repeat-complaint warning, as 张三 complained on 2025-06-20),
// classify and dispatch (agent), process, respond and reply (field crew, who is offered no
// dispatch or merge), the callback review (agent), archive (manager) — each page offering only
// the steps the API allows, a refused step showing the API's error; a caller inside an outage
// told so before and after intake; the field crew's repair order on a 360x740 phone (accept,
// arrived, restored, with big buttons); the dashboard's open orders by SLA state; the detail
// page in English; every page 360 px wide; screenshots of each. Environment: PMIS_WEB_BASE,
// PMIS_WEB_SHOTS, SVC_PW (kefu1, qiang1), APPROVER_PW (zhuguan, manager), ADMIN_PW (lib.mjs).
import {
  base, ADMIN_PW, failures, notOk, assert, errors, watch, step, shot, text, noSideScroll, field,
  login, launch, PHONE, phonePages, noErrors,
} from './lib.mjs'

const SVC_PW = process.env.SVC_PW
const MANAGER_PW = process.env.APPROVER_PW
const browser = await launch()
const rows = (page, table) => page.locator(`[data-test=${table}] .el-table__body tr`)
const pick = async (page, sel, label) => {
  await page.locator(`[data-test=${sel}]`).click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: label }).first().click()
}
// the step buttons shown, as their action names
const actions = (page) =>
  page.locator('[data-test=ticket-actions] button').evaluateAll((bs) => bs.map((b) => b.dataset.test.replace('act-', '')))
async function act(page, action, fill = async () => {}) {
  await page.locator(`[data-test=act-${action}]`).click()
  await page.locator('[data-test=step-dialog]').waitFor()
  await fill()
  await page.locator('[data-test=step-confirm]').click()
}
async function noteIn(page, note) {
  await page.locator('textarea[data-test=step-note]').fill(note)
}
async function stateIs(page, zh) {
  await page.waitForFunction((s) => document.querySelector('[data-test=ticket-state]')?.innerText === s, zh)
}
async function session(ctxOpts, user, pw, label) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...ctxOpts })
  const page = await ctx.newPage()
  page.setDefaultTimeout(10000)
  watch(page, label)
  await page.goto(`${base}/login`)
  await login(page, user, pw)
  await page.waitForURL(`${base}/`)
  return { ctx, page }
}
let complaint = 0

try {
  // ---------------- the service agent: queue, intake with the repeat warning ----------------
  {
    const { ctx, page } = await session({}, 'kefu1', SVC_PW, 'agent')
    await step(page, 'agent: no crew phone page (crew:work is the field crew\'s)', async () => {
      await page.locator('[data-test=nav-service]').waitFor()
      assert((await page.locator('[data-test=nav-crew]').count()) === 0, 'no 我的抢修 in the menu of ticket:write alone')
      const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json())
      assert(me.roles?.join() === 'service_agent' && !me.permissions.includes('crew:work'), `roles ${me.roles}`)
    })
    await step(page, 'queue: SLA states coloured, countdowns on the server clock, user time zone', async () => {
      await page.locator('[data-test=nav-service]').click()
      await page.waitForURL(/\/service$/)
      await rows(page, 'queue').first().waitFor()
      const sla = async (id) => page.locator(`[data-test=queue] tr:has([data-test=order-${id}]) [data-test=sla]`).getAttribute('data-sla')
      assert((await sla(2)) === 'breached', 'yesterday\'s repair call is breached')
      assert((await sla(3)) === 'ok', 'the repair call of 01:30 is ok')
      assert((await sla(4)) === 'warning', 'the enquiry of 00:20 is in warning')
      assert((await sla(5)) === 'paused', 'the paused enquiry')
      const row3 = await text(page, '[data-test=queue] tr:has([data-test=order-3])')
      assert(row3.includes('到达 剩余 15分钟'), `countdown of order 3: ${row3}`)
      assert(row3.includes('2025-07-01 09:30'), `accepted time in Asia/Shanghai: ${row3}`)
      const row2 = await text(page, '[data-test=queue] tr:has([data-test=order-2])')
      assert(/超时 \d+小时\d+分/.test(row2), `overdue shown: ${row2}`)
      assert((await text(page, '.zone')).includes('Asia/Shanghai'), 'the time zone is said')
      await shot(page, 'service-queue')
    })
    await step(page, 'queue: server-side pages and filters (state, type, SLA, assignee)', async () => {
      assert((await rows(page, 'queue').count()) === 14, 'first page of 20: all 14 open orders')
      await page.locator('[data-test=queue-size]').click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: /^10$/ }).click()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body tr').length === 10)
      await page.locator('[data-test=queue-next]').click()
      await page.getByText('第 2 页').waitFor()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body tr').length === 4)
      await page.locator('[data-test=queue-prev]').click()
      await page.getByText('第 1 页').waitFor()
      await pick(page, 'f-type', '故障报修')
      await page.locator('[data-test=queue-search]').click()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body tr').length === 2)
      await pick(page, 'f-sla', '超时')
      await page.locator('[data-test=queue-search]').click()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body tr').length === 1)
      assert((await rows(page, 'queue').first().innerText()).includes('2'), 'the breached repair call')
      await page.locator('button', { hasText: '重置' }).click()
      await field(page, 'f-assignee').fill('qiang1')
      await page.locator('[data-test=queue-search]').click()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=queue] .el-table__body tr').length === 1)
      await page.locator('[data-test=order-3]').waitFor()
    })
    await step(page, 'intake: the caller by 户号, a complaint flagged as a repeat', async () => {
      await page.goto(`${base}/service`)
      await page.locator('[data-test=new-order]').click()
      await page.waitForURL(/\/service\/new$/)
      await page.locator('[data-test=intake-submit]').click()
      assert((await text(page, '[data-test=intake-problem]')).includes('请先查找并关联客户'), 'a caller is needed first')
      await field(page, 'lookup-text').fill('1000000000')
      await page.locator('[data-test=lookup-find]').click()
      await page.locator('[data-test=caller]').waitFor()
      const caller = await text(page, '[data-test=caller]')
      assert(caller.includes('张三') && /1\d{2}\*{4}\d{4}/.test(caller), `caller, phone masked: ${caller}`)
      assert((await page.locator('[data-test=outage-now]').count()) === 0, 'no outage at 张三')
      await pick(page, 'in-type', '投诉')
      await pick(page, 'in-subtype', '营业投诉')
      await page.locator('textarea[data-test=in-text]').fill('电费又算错了，第二次投诉')
      await shot(page, 'service-intake')
      await page.locator('[data-test=intake-submit]').click()
      await page.locator('[data-test=created]').waitFor()
      const warn = await text(page, '[data-test=repeat-warning]')
      assert(warn.includes('重复投诉') && warn.includes('工单 1') && warn.includes('30 天'), `repeat warning: ${warn}`)
      complaint = Number((await text(page, '[data-test=created] .el-result__title')).match(/\d+/)[0])
      assert(complaint > 14, `the new order's number, after the 14 seeded: ${complaint}`)
      await shot(page, 'service-intake-repeat')
    })
    await step(page, 'detail: 接单 offers only classify, pause and merge; classify', async () => {
      await page.locator('[data-test=open-created]').click()
      await page.waitForURL(new RegExp(`/service/${complaint}$`))
      await stateIs(page, '接单')
      assert((await page.locator('[data-test=ticket-repeat]').innerText()).includes('1'), 'repeat shown on the order')
      const a = await actions(page)
      assert(a.join() === 'classify,pause,merge', `buttons at 接单: ${a}`)
      await act(page, 'classify', () => noteIn(page, '营业类投诉'))
      await stateIs(page, '分类')
    })
    await step(page, 'detail: dispatch to the field crew of the unit', async () => {
      const a = await actions(page)
      assert(a.join() === 'dispatch,pause,merge', `buttons at 分类: ${a}`)
      await act(page, 'dispatch', async () => {
        await field(page, 'step-assignee').fill('qiang1')
        await noteIn(page, '请上门核实电费')
      })
      await stateIs(page, '派单')
      assert((await text(page, '[data-test=ticket-assignee]')) === 'qiang1', 'assignee')
      await shot(page, 'service-detail')
    })
    await ctx.close()
  }
  // ---------------- the field crew works the complaint on the desk ----------------
  {
    const { ctx, page } = await session({}, 'qiang1', SVC_PW, 'crew-desk')
    await step(page, 'crew: no dispatch, assign or merge; process and respond', async () => {
      assert(await page.locator('[data-test=nav-crew]').isVisible(), 'my repairs in the menu')
      const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).json())
      assert(me.roles?.join() === 'field_crew' && me.permissions.includes('crew:work'), `roles ${me.roles}`)
      await page.goto(`${base}/service/${complaint}`)
      await stateIs(page, '派单')
      const a = await actions(page)
      assert(a.join() === 'process,pause', `the crew's buttons at 派单: ${a}`)
      await act(page, 'process', () => noteIn(page, '开始处理'))
      await stateIs(page, '处理')
      await act(page, 'respond', () => noteIn(page, '已电话联系客户'))
      await stateIs(page, '响应/到达')
    })
    await step(page, 'crew: a reply without a note is refused with the API error, then given', async () => {
      await page.locator('[data-test=act-reply]').click()
      await page.locator('[data-test=step-confirm]').click()
      const err = await text(page, '[data-test=step-error]')
      assert(err.includes('冲突') || err.includes('note') || err.includes('答复'), `error shown: ${err}`)
      await noteIn(page, '已核实电费并向客户说明，退还多收电费')
      await page.locator('[data-test=step-confirm]').click()
      await stateIs(page, '反馈')
      assert((await actions(page)).join() === 'review,pause', 'at 反馈: review or pause, no merge')
    })
    await ctx.close()
  }
  // ---------------- the agent's callback review, the manager archives ----------------
  {
    const { ctx, page } = await session({}, 'kefu1', SVC_PW, 'agent-review')
    await step(page, 'agent: the callback review (复核)', async () => {
      await page.goto(`${base}/service/${complaint}`)
      await stateIs(page, '反馈')
      await act(page, 'review', () => noteIn(page, '回访：客户表示满意'))
      await stateIs(page, '复核')
    })
    await ctx.close()
  }
  {
    const { ctx, page } = await session({}, 'zhuguan', MANAGER_PW, 'manager')
    await step(page, 'manager: archive; the history has every step with who and note', async () => {
      await page.goto(`${base}/service/${complaint}`)
      await stateIs(page, '复核')
      const a = await actions(page)
      assert(a.join() === 'process,archive,pause,merge', `buttons at 复核 (archive, or rework after a failed callback): ${a}`)
      await act(page, 'archive', () => noteIn(page, '闭环归档'))
      await stateIs(page, '归档')
      assert((await actions(page)).join() === 'reopen', 'an archived order offers only reopen')
      const h = await text(page, '[data-test=ticket-history]')
      for (const s of ['kefu1', 'qiang1', 'zhuguan', '回访：客户表示满意', '已核实电费', '闭环归档', '复核 → 归档'])
        assert(h.includes(s), `history has ${s}: ${h}`)
      await shot(page, 'service-detail-archived')
    })
    await step(page, 'dashboard: open orders by SLA state in the scope', async () => {
      await page.goto(`${base}/`)
      await page.locator('[data-test=chart-sla] svg').waitFor()
      const c = await text(page, '[data-test=sla-counts]')
      assert(c.includes('超时 2') && c.includes('预警 1') && c.includes('暂停 1'), `counts: ${c}`)
      await shot(page, 'service-dashboard')
    })
    await ctx.close()
  }
  // ---------------- a caller inside an outage ----------------
  {
    const { ctx, page } = await session({}, 'kefu1', SVC_PW, 'agent-outage')
    await step(page, 'intake: a caller found by phone inside an outage is told so, before and after', async () => {
      await page.goto(`${base}/service/new`)
      await page.locator('[data-test=lookup-by] label', { hasText: '联系电话' }).click()
      await field(page, 'lookup-text').fill('13600002222')
      await page.locator('[data-test=lookup-find]').click()
      const o = await text(page, '[data-test=outage-now]')
      assert(o.includes('正在停电') && o.includes('10kV湖墅线故障') && o.includes('故障'), `outage before intake: ${o}`)
      await pick(page, 'in-type', '故障报修')
      await page.locator('textarea[data-test=in-text]').fill('家里没电了')
      await page.locator('[data-test=intake-submit]').click()
      const l = await text(page, '[data-test=outage-linked]')
      assert(l.includes('已并入停电事件'), `grouped: ${l}`)
      assert((await page.locator('[data-test=repeat-warning]').count()) === 0, 'no repeat warning for a repair call')
      await shot(page, 'service-intake-outage')
    })
    await ctx.close()
  }
  // ---------------- the field crew's phone: my repair orders ----------------
  {
    const { ctx, page } = await session(PHONE, 'qiang1', SVC_PW, 'crew-phone')
    await step(page, 'phone: my repair orders from the menu, at 360x740', async () => {
      await page.locator('[data-test=nav-crew]').click()
      await page.waitForURL(/\/crew$/)
      await page.locator('[data-test=crew-order-3]').waitFor()
      assert((await page.locator('[data-test^=crew-order-]').count()) === 1, 'only the repair order assigned to me')
      const b = await page.locator('[data-test=crew-accept]').boundingBox()
      assert(b.height >= 48 && b.width >= 300, `a big touch target: ${JSON.stringify(b)}`)
      await noSideScroll(page)
      await shot(page, 'mobile-crew')
    })
    await step(page, 'phone: accept, arrived, restored (a note needed first)', async () => {
      await page.locator('[data-test=crew-accept]').tap()
      await page.locator('[data-test=crew-arrived]').waitFor()
      assert((await text(page, '[data-test=crew-state]')) === '处理', 'accepted: 处理')
      await page.locator('[data-test=crew-arrived]').tap()
      await page.locator('[data-test=crew-restored]').waitFor()
      await page.locator('[data-test=crew-restored]').tap()
      assert((await text(page, '[data-test=crew-problem]')).includes('请填写恢复说明'), 'note required')
      await page.locator('textarea[data-test=crew-note]').fill('更换熔断器，已恢复供电')
      await page.locator('[data-test=crew-restored]').tap()
      await page.waitForFunction(() => document.querySelector('[data-test=crew-state]')?.innerText === '反馈')
      assert((await page.locator('[data-test=crew-order-3] button.big').count()) === 0, 'no crew step after restoration')
      await shot(page, 'mobile-crew-restored')
    })
    await step(page, 'phone: the arrival and restoration clocks stopped in time', async () => {
      await page.goto(`${base}/service/3`)
      await page.locator('[data-test=ticket-clocks] .el-table__body tr').first().waitFor()
      const c = await text(page, '[data-test=ticket-clocks]')
      assert((c.match(/按时完成/g) || []).length === 2 && !c.includes('超时'), `arrival and restoration met: ${c}`)
      await noSideScroll(page)
      await shot(page, 'mobile-ticket')
    })
    await phonePages(page, [
      ['service-queue', '/service', '[data-test=queue] .el-table__body tr'],
      ['service-intake', '/service/new', '[data-test=intake-submit]'],
    ])
    await ctx.close()
  }
  // ---------------- English ----------------
  {
    const { ctx, page } = await session({}, 'admin', ADMIN_PW, 'en')
    await step(page, 'en: the order detail and queue in English', async () => {
      await page.evaluate(() => localStorage.setItem('pmis.lang', 'en'))
      await page.goto(`${base}/service/${complaint}`)
      await page.getByText(`Work order ${complaint}`).waitFor()
      assert((await text(page, '[data-test=ticket-state]')) === 'Archived', 'state in English')
      assert((await text(page, '[data-test=ticket-history]')).includes('Reviewed → Archived'), 'history in English')
      await page.goto(`${base}/service`)
      await rows(page, 'queue').first().waitFor()
      assert((await text(page, '[data-test=queue]')).includes('Breached'), 'SLA states in English')
      await shot(page, 'service-queue-en')
    })
    await ctx.close()
  }
  // the reply without a note is refused on purpose (409): chromium logs it as a failed load
  await noErrors(browser, 'service: no JavaScript errors or policy (CSP) violations', /^crew-desk: console: .*status of 409/)
} catch (e) {
  notOk('browser: the service journeys ran to the end', e)
} finally {
  await browser.close()
}
process.exit(failures() ? 1 : 0)
