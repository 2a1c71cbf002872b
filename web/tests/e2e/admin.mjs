// The administration journeys of the web UI (issue 7 §2 Administration, §3 progress), after
// journey.mjs and desk.mjs (which set the administrator's and the cashier's passwords): an
// administrator creates a user, who logs in with the one-time password and must change it;
// roles (built-in read-only, a custom one created and changed); a token whose secret is shown
// once, then revoked; a unit added to the org tree; a tariff with its versions and a quote
// preview; a make-up working day set on the calendar, a bad one refused, the day removed; a bill
// run started from the billing page showing its progress until done; a cashier refused every
// administration page; the pages in English and 360 px wide. Prints TAP lines; screenshots go
// to $PMIS_WEB_SHOTS. Environment: PMIS_WEB_BASE, PMIS_WEB_SHOTS.
import {
  base, ADMIN_PW, failures, notOk, assert, errors, watch, step, shot, text, field, login,
  changePassword, launch, named, PHONE, phonePages, noErrors,
} from './lib.mjs'

const CASHIER_PW = 'Shoufei2025pw' // desk.mjs
const NEW_PW = 'Hesuan2025pwx'
let workdays = 0 // 2025's working days as the server counts them (the calendar step)
const browser = await launch()
const rows = (page, table) => page.locator(`[data-test=${table}] .el-table__body tr`)
const option = (page, label) => page.locator('.el-select-dropdown__item:visible', { hasText: label }).first()
const toast = (page, cls, re) => page.locator(`.el-message.${cls}`, { hasText: re }).first().waitFor()
const confirmBox = (page) => page.locator('.el-message-box__btns .el-button--primary').click()
const ADMIN = [
  ['users', '/admin/users', 'user:admin'],
  ['roles', '/admin/roles', 'user:admin'],
  ['tokens', '/admin/tokens', 'user:admin'],
  ['orgs', '/admin/orgs', 'org:write'],
  ['tariffs', '/admin/tariffs', 'tariff:write'],
  ['tariff', '/admin/tariffs/WEB-FLAT', 'tariff:write'],
  ['calendar', '/admin/calendar', 'calendar:write'],
  ['audit', '/admin/audit', 'audit:read'],
]

try {
  let otp = ''
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'admin')
    await step(page, 'admin: one menu group leads to the administration pages', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-admin]').click()
      await page.waitForURL(`${base}/admin/users`)
      for (const n of ['users', 'roles', 'tokens', 'orgs', 'tariffs', 'calendar', 'audit'])
        assert((await page.locator(`[data-test=adm-admin-${n}], [data-test=adm-${n}]`).count()) === 1, `menu has ${n}`)
      await rows(page, 'users').filter({ hasText: 'cashier1' }).waitFor()
      await named(page)
      await shot(page, 'admin-users-zh')
    })
    await step(page, 'users: create a user; the one-time password is shown once', async () => {
      await page.locator('[data-test=user-new]').click()
      await field(page, 'new-username').fill('wanggong')
      await field(page, 'new-name').fill('王工')
      await page.locator('[data-test=new-org]').click()
      await option(page, 'ZJ-HZ 杭州').click()
      await page.locator('[data-test=new-roles]').click()
      await option(page, 'billing_clerk').click()
      await page.keyboard.press('Escape')
      await page.locator('[data-test=new-submit]').click()
      otp = (await text(page, '[data-test=otp]')).trim()
      assert(/^[A-Za-z2-9]{16}$/.test(otp), `one-time password ${otp}`)
      await shot(page, 'admin-user-otp-zh')
      await page.locator('[data-test=otp-close]').click()
      await page.locator('[data-test=otp]').waitFor({ state: 'hidden' })
      const row = rows(page, 'users').filter({ hasText: 'wanggong' })
      await row.filter({ hasText: '须改密' }).waitFor()
      assert((await row.innerText()).includes('ZJ-HZ'), 'in its org')
    })
    await step(page, 'users: a duplicate user name is refused with the API message', async () => {
      await page.locator('[data-test=user-new]').click()
      await field(page, 'new-username').fill('wanggong')
      await page.locator('[data-test=new-org]').click()
      await option(page, 'ZJ-HZ 杭州').click()
      await page.locator('[data-test=new-roles]').click()
      await option(page, 'cashier').click()
      await page.keyboard.press('Escape')
      await page.locator('[data-test=new-submit]').click()
      await toast(page, 'adm-error', "用户 'wanggong' 已存在") // the API's message, in Chinese
      await page.keyboard.press('Escape')
    })
    await step(page, 'users: disable and enable again', async () => {
      await page.locator('[data-test=disable-wanggong]').click()
      await page.locator('[data-test=status-wanggong]', { hasText: '停用' }).waitFor()
      await page.locator('[data-test=enable-wanggong]').click()
      await page.locator('[data-test=status-wanggong]', { hasText: '启用' }).waitFor()
    })
    await step(page, 'users: filtered and paged on the server (keyset)', async () => {
      const count = () => page.locator('[data-test=users] .el-table__body tr').count()
      const names = () => page.locator('[data-test=users] .el-table__body tr td:first-child').allInnerTexts()
      await field(page, 'user-filter').fill('wang')
      await page.waitForFunction(() => document.querySelectorAll('[data-test=users] .el-table__body tr').length === 1)
      assert((await names()).join() === 'wanggong', `prefix wang: ${await names()}`)
      await field(page, 'user-filter').fill('')
      await page.locator('[data-test=user-status]').click()
      await option(page, '停用').click()
      await page.waitForFunction(() => document.querySelector('[data-test=users] .el-table__body tr td')?.innerText === 'chaobiao06')
      for (const st of await page.locator('[data-test^=status-]').allInnerTexts()) assert(st === '停用', `disabled only: ${st}`)
      await page.reload()
      await rows(page, 'users').first().waitFor()
      await page.locator('[data-test=users-page-size]').click()
      await page.locator('.el-select-dropdown__item:visible', { hasText: /^10$/ }).click()
      await page.waitForFunction(() => document.querySelectorAll('[data-test=users] .el-table__body tr').length === 10)
      const first = await names()
      await page.locator('[data-test=users-page-next]').click()
      await page.getByText('第 2 页').waitFor()
      await page.waitForFunction((f) => document.querySelector('[data-test=users] .el-table__body tr td')?.innerText !== f, first[0])
      const second = await names()
      assert(second.length >= 1 && second.every((n) => n > first[first.length - 1]), `page 2 after page 1: ${second}`)
      await page.locator('[data-test=users-page-prev]').click()
      await page.getByText('第 1 页').waitFor()
      await page.waitForFunction((f) => document.querySelector('[data-test=users] .el-table__body tr td')?.innerText === f, first[0])
      assert((await count()) === 10, 'page 1 again')
    })
    await step(page, 'roles: built-in ones read-only; a custom role created and changed', async () => {
      await page.locator('[data-test=adm-admin-roles]').click()
      await rows(page, 'roles').filter({ hasText: 'cashier' }).first().waitFor()
      assert((await page.locator('[data-test=role-edit-cashier]').count()) === 0, 'a built-in role has no edit button')
      await page.locator('[data-test=role-new]').click()
      await field(page, 'role-code').fill('inspector')
      await field(page, 'role-name').fill('稽查员')
      await page.locator('[data-test=role-save]').click()
      await toast(page, 'adm-error', '请至少选择一项权限')
      await page.locator('[data-test="perm-customer:read"]').click()
      await page.locator('[data-test="perm-bill:read"]').click()
      await page.locator('[data-test=role-save]').click()
      await page.locator('[data-test=perms-inspector]', { hasText: 'customer:read, bill:read' }).waitFor()
      await page.locator('[data-test=role-edit-inspector]').click()
      await page.locator('[data-test="perm-bill:read"]').click()
      await page.locator('[data-test="perm-report:read"]').click()
      await page.locator('[data-test=role-save]').click()
      await page.locator('[data-test=perms-inspector]', { hasText: 'customer:read, report:read' }).waitFor()
      await named(page)
      await shot(page, 'admin-roles-zh')
    })
    await step(page, 'tokens: the secret is shown once; the token is revoked', async () => {
      await page.locator('[data-test=adm-admin-tokens]').click()
      await page.locator('[data-test=token-new]').click()
      await field(page, 'token-name').fill('erp-sync')
      await page.locator('[data-test=token-user]').click()
      await option(page, 'cashier1').click()
      await page.locator('[data-test="tperm-payment:read"]').click()
      await page.locator('[data-test=token-submit]').click()
      const secret = (await text(page, '[data-test=token-secret]')).trim()
      assert(/^pmist_[0-9a-f]{64}$/.test(secret), `secret ${secret}`)
      const st = await page.evaluate(async (s) => (await fetch('/api/v1/payments', { headers: { Authorization: `Bearer ${s}` }, credentials: 'omit' })).status, secret)
      assert(st === 200, `the token works: ${st}`)
      await shot(page, 'admin-token-secret-zh')
      await page.locator('[data-test=token-secret-close]').click()
      await rows(page, 'tokens').filter({ hasText: 'erp-sync' }).waitFor()
      assert(!(await text(page, '[data-test=tokens]')).includes(secret), 'the list never shows it')
      await page.locator('[data-test=revoke-erp-sync]').click()
      await confirmBox(page)
      await page.locator('[data-test=revoked-erp-sync]').waitFor()
      await named(page)
      await shot(page, 'admin-tokens-zh')
    })
    await step(page, 'org tree: a unit is added under 杭州', async () => {
      await page.locator('[data-test=adm-admin-orgs]').click()
      await page.locator('[data-test=org-ZJ-HZ-XH]').waitFor()
      await page.locator('[data-test=org-parent]').click()
      await option(page, 'ZJ-HZ 杭州').click()
      await field(page, 'org-code').fill('ZJ-HZ-SC')
      await field(page, 'org-name').fill('上城供电所')
      await page.locator('[data-test=org-level]').click()
      await option(page, /^供电所$/).click()
      await page.locator('[data-test=org-submit]').click()
      await page.locator('[data-test=org-ZJ-HZ-SC]', { hasText: '上城供电所' }).waitFor()
      await named(page)
      await shot(page, 'admin-orgs-zh')
    })
    await step(page, 'tariffs: a tariff with its versions and a quote preview', async () => {
      await page.locator('[data-test=adm-admin-tariffs]').click()
      await page.locator('[data-test=tariff-WEB-FLAT]').click()
      await page.waitForURL(`${base}/admin/tariffs/WEB-FLAT`)
      await rows(page, 'tariff-versions').filter({ hasText: '2020-01-01' }).waitFor()
      await field(page, 'quote-period').fill('2025-06')
      await field(page, 'quote-kwh').fill('200')
      await page.locator('[data-test=quote-submit]').click()
      await page.locator('[data-test=quote-total]', { hasText: '¥100.00' }).waitFor()
      await field(page, 'quote-kwh').fill('12.34.5')
      await page.locator('[data-test=quote-submit]').click()
      await toast(page, 'adm-error', 'kwh')
      await named(page)
      await shot(page, 'admin-tariff-quote-zh')
    })
    await step(page, 'calendar: a make-up working day is set, a weekday refused, the day removed', async () => {
      await page.locator('[data-test=adm-admin-calendar]').click()
      // the year's working days as the server counts them (the seeds may have imported the
      // national calendar): the make-up day adds one, removing it takes it away again
      const cal = await page.evaluate(() => fetch('/api/v1/calendar?year=2025').then((r) => r.json()))
      workdays = cal.working_days
      assert(Number.isInteger(workdays) && workdays > 240, `2025's working days: ${workdays}`)
      await page.locator('[data-test=cal-workdays]', { hasText: String(workdays) }).waitFor()
      assert((await page.locator('[data-test=day-2025-11-15]').getAttribute('data-kind')) === 'weekend', 'a Saturday')
      await page.locator('[data-test=day-2025-11-15]').click()
      assert((await field(page, 'cal-date').inputValue()) === '2025-11-15', 'a click picks the day')
      await page.locator('[data-test=cal-kind-workday]').click()
      await field(page, 'cal-name').fill('调休上班')
      await page.locator('[data-test=cal-submit]').click()
      await toast(page, 'adm-ok', '2025-11-15')
      await page.locator('[data-test=day-2025-11-15][data-kind=workday]').waitFor()
      await page.locator('[data-test=cal-workdays]', { hasText: String(workdays + 1) }).waitFor()
      await named(page)
      await shot(page, 'admin-calendar-zh')
      await field(page, 'cal-date').fill('2025-10-13')
      await page.locator('[data-test=cal-submit]').click()
      await toast(page, 'adm-error', '调休工作日必须是星期六或星期日')
      await field(page, 'cal-date').fill('2025-02-30')
      await page.locator('[data-test=cal-submit]').click()
      await toast(page, 'adm-error', "2025-02-30")
      await page.locator('[data-test=cal-rm-2025-11-15]').click()
      await confirmBox(page)
      await page.locator('[data-test=day-2025-11-15][data-kind=weekend]').waitFor()
      await page.locator('[data-test=cal-workdays]', { hasText: String(workdays) }).waitFor()
    })
    await step(page, 'billing: a bill run started from the page that fails shows why on a red bar; its retry runs until done', async () => {
      await page.locator('[data-test=nav-billing]').click()
      await field(page, 'run-period').fill('2025-06')
      await field(page, 'run-org').fill('ZJ-NB')
      await page.locator('[data-test=run-submit]').click()
      await page.locator('[data-test=run-progress]').waitFor()
      // the server's first background run fails (tests/web/run.sh: PMIS_TEST_JOB_FAULT)
      await page.locator('[data-test=run-progress][data-state=failed]').waitFor({ timeout: 30000 })
      const why = await text(page, '[data-test=run-error]')
      assert(why.startsWith('核算失败：') && why.includes('注入的故障'), `the run's error in Chinese: ${why}`)
      assert(await page.locator('[data-test=run-bar] .el-progress.is-exception, [data-test=run-bar].is-exception').count() === 1, 'the bar in its error state')
      // the runs list shows it failed with its error; its detail the same, with a retry
      const failedTag = page.locator('[data-test^=run-status-]', { hasText: '核算失败' })
      await failedTag.first().waitFor()
      assert((await page.locator('[data-test^=run-error-]').first().innerText()).includes('注入的故障'), 'the error under the status')
      await named(page)
      await shot(page, 'billing-run-failed-zh')
      const failedId = (await failedTag.first().getAttribute('data-test')).replace('run-status-', '')
      await page.locator(`[data-test=open-run-${failedId}]`).click()
      await page.locator('[data-test=run-failed]').filter({ hasText: '注入的故障' }).waitFor()
      await page.locator('[data-test=run-detail-retry]').waitFor()
      await page.locator('[data-test=run-retry]').click()
      await page.locator('[data-test=run-progress][data-state=done]').waitFor({ timeout: 30000 })
      assert(await page.locator('[data-test=run-retry]').count() === 0, 'no retry once done')
      assert((await text(page, '[data-test=run-result]')).includes('1 张账单'), 'one bill')
      // the bar is the run's own percentage (GET /bill-runs/{id} polled), at 100 % once done
      await page.locator('[data-test=run-progress][data-percent="100"]').waitFor()
      assert((await page.locator('[data-test=run-bar]').getAttribute('aria-valuenow')) === '100', 'aria-valuenow 100')
      await rows(page, 'runs').filter({ hasText: 'ZJ-NB' }).filter({ hasText: '2025-06' }).waitFor()
      await page.locator(`[data-test=run-status-${failedId}]`, { hasText: '已计算' }).waitFor()
      assert(await page.locator('[data-test^=run-error-]').count() === 0, 'no error left in the list once done')
      await named(page)
      await shot(page, 'billing-run-progress-zh')
    })
    await step(page, 'billing: a readings file checked from the page shows its progress and row count; a bad one its bad rows', async () => {
      const csv = (rows) => ({ name: 'readings.csv', mimeType: 'text/csv', buffer: Buffer.from(`meter,read_on,source,total\n${rows}`) })
      await page.locator('[data-test=imp-file]').setInputFiles(csv('WM-1,2025-07-15,remote,1800\nWM-2,2025-07-15,remote,20000\n'))
      await page.locator('[data-test=imp-dry]').click()
      await page.locator('[data-test=imp-submit]').click()
      await page.locator('[data-test=imp-progress][data-state=done]').waitFor()
      const r = await text(page, '[data-test=imp-result]')
      assert(r.includes('校验通过：2 行'), `two rows checked: ${r}`)
      // a large file goes in chunks of 2,000 lines: the bar moves by chunk and reaches 100 %
      const big = []
      const badLines = [] // file lines: the header is line 1
      for (let i = 0; i < 2250; i++) {
        const d = new Date(Date.UTC(2026, 0, 1) + i * 86400000).toISOString().slice(0, 10)
        big.push(`WM-1,${d},remote,${2000 + i}`, `WM-2,${d},remote,${30000 + i}`)
        if (i === 100 || i === 1500 || i === 2249) badLines.push(big.length + 2) && big.push(`NO-SUCH-METER,${d},remote,1`)
      }
      big.push(big[0]) // the first line again, in the last chunk: unchanged, as in one request
      await page.evaluate(() => {
        window.__pcts = []
        new MutationObserver(() => {
          const p = document.querySelector('[data-test=imp-progress]')?.getAttribute('data-percent')
          if (p && window.__pcts[window.__pcts.length - 1] !== p) window.__pcts.push(p)
        }).observe(document.body, { subtree: true, childList: true, attributes: true })
      })
      await page.locator('[data-test=imp-file]').setInputFiles(csv(big.join('\n') + '\n'))
      await page.locator('[data-test=imp-submit]').click() // still a dry run
      await page.locator('[data-test=imp-progress][data-state=done][data-percent="100"]').waitFor({ timeout: 60000 })
      assert((await page.locator('[data-test=imp-bar]').getAttribute('aria-valuenow')) === '100', 'aria-valuenow 100')
      const pcts = await page.evaluate(() => window.__pcts)
      assert(pcts.includes('44') && pcts.includes('88'), `the bar moved by chunk: ${pcts}`)
      assert((await text(page, '[data-test=imp-lines]')) === '4504 / 4504 行', 'all lines done')
      const tally = await text(page, '[data-test=imp-tally]')
      assert(tally === '校验通过 4501 行 · 有误 3 行', `totals: ${tally}`)
      const counts = await text(page, '[data-test=imp-result]')
      assert(counts.includes('新增 4500，未变 1'), `the repeat counted once, unchanged: ${counts}`)
      const bigBad = await rows(page, 'imp-bad').allInnerTexts()
      assert(bigBad.length === 3 && bigBad.every((x, k) => x.startsWith(String(badLines[k])) && x.includes('NO-SUCH-METER')),
        `the refused lines with the file's numbers: ${bigBad}`)
      // stored for real: a line already stored the same is accepted (unchanged), a bad one refused
      await page.locator('[data-test=imp-dry]').click()
      await page.locator('[data-test=imp-file]').setInputFiles(csv('WM-1,2025-06-15,remote,1620\nNO-SUCH-METER,2025-07-15,remote,1\n'))
      await page.locator('[data-test=imp-submit]').click()
      await page.locator('[data-test=imp-progress][data-state=done][data-percent="100"]').waitFor()
      assert((await text(page, '[data-test=imp-tally]')) === '已接受 1 行 · 已拒绝 1 行', 'one accepted, one refused')
      assert((await text(page, '[data-test=imp-result]')).includes('新增 0，未变 1'), 'the accepted line was stored already')
      const bad = await rows(page, 'imp-bad').allInnerTexts()
      assert(bad.length === 1 && bad[0].includes('3') && bad[0].includes('NO-SUCH-METER'), `one bad row, line 3: ${bad}`)
      await named(page)
      await shot(page, 'billing-import-zh')
    })
    await ctx.close()
  }

  // ---------------- the new user's first login ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'new-user')
    await step(page, 'the new user logs in with the one-time password and must change it', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'wanggong', otp)
      await field(page, 'new-password').waitFor()
      await shot(page, 'admin-new-user-change-zh')
      await changePassword(page, NEW_PW)
      await page.waitForURL(`${base}/`)
      assert((await text(page, '[data-test=who]')) === '王工', 'logged in as 王工')
      assert((await page.locator('[data-test=nav-admin]').count()) === 0, 'a billing clerk has no administration menu')
      assert((await page.locator('[data-test=nav-billing]').count()) === 1, 'but billing')
    })
    await ctx.close()
  }

  // ---------------- a cashier and every administration page ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'cashier-admin')
    await page.goto(`${base}/login`)
    await login(page, 'cashier1', CASHIER_PW)
    await page.waitForURL(`${base}/`)
    await step(page, 'a cashier has no administration menu', async () => {
      assert((await page.locator('[data-test=nav-admin]').count()) === 0, 'menu group hidden')
    })
    for (const [name, path, perm] of [...ADMIN, ['admin', '/admin', 'user:admin']])
      await step(page, `a cashier is refused the ${name} page (${perm})`, async () => {
        await page.goto(`${base}${path}`)
        await page.locator('[data-test=forbidden]').waitFor()
        assert((await text(page, '[data-test=forbidden]')).includes(perm), `names ${perm}`)
        await shot(page, `forbidden-cashier-${name}`)
      })
    await step(page, 'and the API refuses the cashier too', async () => {
      const st = await page.evaluate(async () =>
        Promise.all(['/users', '/roles', '/tokens'].map(async (p) => (await fetch(`/api/v1${p}`)).status)))
      assert(st.every((s) => s === 403), `statuses ${st}`)
    })
    await ctx.close()
  }

  // ---------------- English ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'en-admin')
    await step(page, 'en: the administration pages in English', async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=lang-en]').click()
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-admin]', { hasText: 'Administration' }).click()
      await page.getByRole('heading', { name: 'Users' }).waitFor()
      await shot(page, 'admin-users-en')
      await page.goto(`${base}/admin/calendar`)
      await page.locator('[data-test=cal-workdays]', { hasText: `2025 has ${workdays} working days` }).waitFor()
      await shot(page, 'admin-calendar-en')
      await page.goto(`${base}/admin/roles`)
      await page.getByText('Built-in roles are read-only').waitFor()
      await shot(page, 'admin-roles-en')
    })
    await ctx.close()
  }

  // ---------------- phone, 360 px ----------------
  {
    const ctx = await browser.newContext(PHONE)
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'phone-admin')
    await page.goto(`${base}/login`)
    await login(page, 'admin', ADMIN_PW)
    await page.waitForURL(`${base}/`)
    const ready = {
      users: '[data-test=users] .el-table__body tr', roles: '[data-test=roles] .el-table__body tr',
      tokens: '[data-test=tokens] .el-table__body tr', orgs: '[data-test=org-ZJ]',
      tariffs: '[data-test=tariffs] .el-table__body tr', tariff: '[data-test=tariff-versions] .el-table__body tr',
      calendar: '[data-test=day-2025-12-31]', audit: '[data-test=audit-rows] .el-table__body tr',
    }
    await phonePages(page, ADMIN.map(([name, path]) => [name, path, ready[name]]), 'mobile-admin-')
    await ctx.close()
  }
  // the duplicate user name was refused on purpose (409); anything else is an error
  await noErrors(browser, 'admin: no JavaScript errors or policy (CSP) violations', /admin: console: .* status of 409 \(Conflict\)/)
} catch (e) {
  notOk('browser: the administration journeys ran to the end', e)
} finally {
  await browser.close()
}
process.exit(failures() ? 1 : 0)
