// The archive's CSV files in the web UI (/archive, 档案导入导出), after the other journeys
// (their passwords set; it adds two customers, so it runs last): a customers file checked
// (nothing stored) then imported; a file with a bad line refused with the line, column and the
// API's reason, in Chinese and in English, nothing stored; exports saved by the browser itself
// from the server's reply (checked first with check=true; never fetched into the page), each
// file byte for byte the server's, and their content checked (the subtree, personal data in
// clear only when asked by a holder of pii:read, a BOM, GBK); an export the server refuses
// shows its message in the page, in Chinese and in English, and nothing is saved (a holder of
// pii:read who loses it while the page is open); a download refused after its check (pii:read
// lost in between) is the browser's failed download, never a JSON error saved as a file; a cashier (customer:read
// only) offered the export alone, masked; keyboard reach and labels; 360 px wide. Prints TAP lines; screenshots go to
// $PMIS_WEB_SHOTS. Environment: PMIS_WEB_BASE, PMIS_WEB_SHOTS, EN_USER.
import { readFileSync } from 'node:fs'
import {
  base, ADMIN_PW, EN_PW, failures, notOk, assert, watch, step, shot, text, login, launch, named,
  PHONE, phonePages, noErrors,
} from './lib.mjs'

const CASHIER_PW = 'Shoufei2025pw' // desk.mjs
const browser = await launch()
const rows = (page, table) => page.locator(`[data-test=${table}] .el-table__body tr`)
const option = (page, label) => page.locator('.el-select-dropdown__item:visible', { hasText: label }).first()
const HEADER = 'cust_no,name,user_type,voltage,address,phone,org,opened_on'
const csv = (name, body) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(`${HEADER}\n${body}`) })
const GOOD = csv('new-customers.csv',
  '9800000001,网页导入一号,resident,220V,杭州市西湖区导入路1号,13811112222,ZJ-HZ-XH,2025-06-01\n' +
  '9800000002,"网页导入二号, 商铺",general_ci,380V,杭州市西湖区导入路2号,,ZJ-HZ-XH,2025-06-01\n')
const BAD = csv('bad-customers.csv',
  '9800000003,网页导入三号,resident,220V,杭州市西湖区导入路3号,,ZJ-HZ-XH,2025-06-01\n' +
  '9800000004,网页导入四号,resident,220V,宁波某路4号,,NO-SUCH,2025-06-01\n')
// the status of GET /api/v1/customers/NO in the page's session
const customer = (page, no) => page.evaluate(async (n) => (await fetch(`/api/v1/customers/${n}`)).status, no)

// The page's own requests (fetch, XHR) of an export, as "check" or "file", while fn runs.
async function exportFetches(page, fn) {
  const seen = []
  const on = (r) => {
    if (!['fetch', 'xhr'].includes(r.resourceType()) || !r.url().includes('/api/v1/export/')) return
    seen.push(new URL(r.url()).searchParams.get('check') === 'true' ? 'check' : 'file')
  }
  page.on('request', on)
  try {
    return [await fn(), seen]
  } finally {
    page.off('request', on)
  }
}

// Click `sel` and return the file the browser saved: { name, bytes, text, url }. The page only
// checked the export (one fetch with check=true); the browser downloaded the real URL itself,
// and the file saved is byte for byte what the server sends for that URL in this session.
async function downloaded(page, sel) {
  const [dl, seen] = await exportFetches(page, async () =>
    (await Promise.all([page.waitForEvent('download'), page.locator(sel).click()]))[0])
  const url = dl.url()
  assert(url.startsWith(`${base}/api/v1/export/`) && !url.includes('check='), `the browser downloads the export's URL itself: ${url}`)
  assert(seen.join() === 'check', `the page fetched the check only, never the file: ${seen}`)
  assert((await dl.failure()) === null, `the download completed: ${await dl.failure()}`)
  const bytes = readFileSync(await dl.path())
  const ref = await page.request.get(url)
  assert(ref.status() === 200 && Buffer.compare(await ref.body(), bytes) === 0,
    `the saved file is the server's reply byte for byte (${bytes.length} bytes saved, ${(await ref.body()).length} served)`)
  return { name: dl.suggestedFilename(), bytes, text: bytes.toString('utf8'), url }
}

// Click `sel` for an export the server refuses: the message shown in the page, nothing saved.
async function refusedExport(page, sel) {
  let saved = 0
  const count = () => saved++
  page.on('download', count)
  const [, seen] = await exportFetches(page, async () => {
    await page.locator(sel).click()
    await page.locator('[data-test=arc-ex-error]').waitFor()
  })
  await page.waitForTimeout(500) // a download would have started by now
  page.off('download', count)
  assert(saved === 0, `nothing saved (${saved} downloads)`)
  assert(seen.join() === 'check', `only the check asked: ${seen}`)
  return text(page, '[data-test=arc-ex-error]')
}

async function send(page, file, button) {
  await page.locator('[data-test=arc-file]').setInputFiles(file)
  await page.locator('[data-test=arc-file-info]').waitFor()
  await page.locator(`[data-test=${button}]`).click()
  await page.locator('[data-test=arc-progress]:not([data-state=running])').waitFor()
}

try {
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'archive')
    await step(page, 'archive: the menu leads to the page; the controls are labelled', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'admin', ADMIN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-archive]').click()
      await page.waitForURL(`${base}/archive`)
      await page.getByRole('heading', { name: '档案导入导出' }).waitFor()
      assert((await page.locator('[data-test=arc-import]').count()) === 1, 'the import (customer:write)')
      assert((await page.locator('[data-test=arc-ex-pii]').count()) === 1, 'personal data in clear offered (pii:read)')
      await named(page)
    })
    await step(page, 'archive: a customers file checked first (nothing stored), then imported', async () => {
      await send(page, GOOD, 'arc-check')
      assert((await text(page, '[data-test=arc-file-info]')) === 'new-customers.csv：2 个数据行', 'two data lines (a quoted comma)')
      assert((await page.locator('[data-test=arc-progress]').getAttribute('data-state')) === 'done', 'checked')
      const checked = await text(page, '[data-test=arc-result]')
      assert(checked === '校验通过：2 行（未保存） · 新增 2，未变 0', `the check's counts: ${checked}`)
      assert((await customer(page, '9800000001')) === 404, 'a check stores nothing')
      await page.locator('[data-test=arc-submit]').click()
      await page.locator('[data-test=arc-progress][data-state=done]', { hasText: '导入完成' }).waitFor()
      assert((await text(page, '[data-test=arc-result]')) === '导入完成：2 行 · 新增 2，未变 0', 'imported')
      assert((await customer(page, '9800000001')) === 200 && (await customer(page, '9800000002')) === 200, 'both stored')
      await page.locator('[data-test=arc-submit]').click() // again: the same rows are skipped
      await page.locator('[data-test=arc-result]', { hasText: '新增 0，未变 2' }).waitFor()
    })
    await step(page, "archive: a bad line is refused with its line, column and the API's reason; nothing stored", async () => {
      await send(page, BAD, 'arc-check')
      assert((await page.locator('[data-test=arc-progress]').getAttribute('data-state')) === 'failed', 'refused')
      const msg = await text(page, '[data-test=arc-error]')
      assert(msg === '1 / 2 行有误；未导入任何数据', `the API's message in Chinese: ${msg}`)
      const bad = await rows(page, 'arc-bad').allInnerTexts()
      assert(bad.length === 1, `one bad line: ${bad}`)
      assert(/^3\s+org\s+NO-SUCH\s+未知组织单位 'NO-SUCH'$/.test(bad[0].trim()), `line 3, org, the reason in Chinese: ${bad[0]}`)
      await page.locator('[data-test=arc-submit]').click()
      await page.locator('[data-test=arc-progress][data-state=failed]').waitFor()
      assert((await customer(page, '9800000003')) === 404, 'the good line of the refused file is not stored either')
      await shot(page, 'archive-zh')
    })
    await step(page, 'archive: the check button is reached with the Tab key', async () => {
      await page.evaluate(() => document.activeElement?.blur())
      let reached = false
      for (let i = 0; i < 40 && !reached; i++) {
        await page.keyboard.press('Tab')
        reached = await page.evaluate(() => document.activeElement?.closest('[data-test=arc-check]') !== null)
      }
      assert(reached, 'Tab reaches the check button')
    })
    await step(page, 'archive: export a unit in clear with a BOM, saved by the browser', async () => {
      await page.locator('[data-test=arc-ex-org]').click()
      await option(page, '(ZJ-HZ-XH)').click()
      await page.locator('[data-test=arc-ex-bom]').click()
      await page.locator('[data-test=arc-ex-pii]').click()
      const f = await downloaded(page, '[data-test=arc-ex-submit]')
      assert(f.name === 'customers-ZJ-HZ-XH.csv', `the server's file name: ${f.name}`)
      assert(f.bytes[0] === 0xef && f.bytes[1] === 0xbb && f.bytes[2] === 0xbf, 'a UTF-8 BOM')
      const lines = f.text.slice(1).trim().split(/\r?\n/)
      assert(lines[0].startsWith('cust_no,name,user_type,voltage,'), `the header: ${lines[0]}`)
      const one = lines.find((l) => l.startsWith('9800000001,'))
      assert(one && one.includes('网页导入一号') && one.includes('13811112222'), `the imported customer, phone in clear: ${one}`)
      assert(lines.some((l) => l.startsWith('9800000002,"网页导入二号, 商铺"')), 'a quoted name')
      assert(!f.text.includes('李四'), 'no customer of another unit (宁波)')
      await page.locator('[data-test=arc-ex-result]', { hasText: '已开始下载 customers-ZJ-HZ-XH.csv' }).waitFor()
    })
    await step(page, 'archive: export in GBK', async () => {
      await page.locator('[data-test=arc-ex-bom]').click() // off again
      await page.locator('[data-test=arc-ex-encoding]').click()
      await option(page, 'GBK').click()
      const f = await downloaded(page, '[data-test=arc-ex-submit]')
      const gbk = new TextDecoder('gbk').decode(f.bytes)
      assert(gbk.includes('9800000001,网页导入一号,'), 'the name in GBK')
      assert(!f.text.includes('网页导入一号'), 'not UTF-8')
      assert(f.bytes[0] === 0x63, 'no BOM') // "cust_no"
    })
    await ctx.close()
  }

  // ---------------- English, a user of one city ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'en-archive')
    await step(page, "en: a bad line's reason in English; the export keeps to the user's city", async () => {
      await page.goto(`${base}/login`)
      await page.locator('[data-test=lang-en]').click()
      await login(page, process.env.EN_USER, EN_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-archive]', { hasText: 'Archive files' }).click()
      await page.getByRole('heading', { name: 'Archive files' }).waitFor()
      await send(page, BAD, 'arc-check')
      assert((await text(page, '[data-test=arc-error]')) === '1 of 2 rows are bad; nothing was imported', 'the message in English')
      const bad = (await rows(page, 'arc-bad').allInnerTexts())[0]
      assert(/^3\s+org\s+NO-SUCH\s+unknown org unit 'NO-SUCH'$/.test(bad.trim()), `the reason in English: ${bad}`)
      await named(page)
      await shot(page, 'archive-en')
      const f = await downloaded(page, '[data-test=arc-ex-submit]')
      assert(f.name === 'customers.csv', `the file name: ${f.name}`)
      assert(f.text.includes('9800000001,') && !f.text.includes('李四'), 'Hangzhou only')
      assert(!f.text.includes('13811112222'), 'masked unless asked')
    })
    await step(page, "en, zh: pii:read taken away while the page is open: the server's refusal shown, in either language, nothing saved", async () => {
      // the administrator, in a session of its own, changes this user's roles through the API
      const adminCtx = await browser.newContext({ locale: 'zh-CN' })
      const admin = await adminCtx.newPage()
      const setRoles = (roles) => admin.evaluate(async ([user, r]) => {
        const me = await (await fetch('/api/v1/auth/me')).json()
        const res = await fetch(`/api/v1/users/${user}/roles`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
          body: JSON.stringify({ roles: r }),
        })
        return res.status
      }, [process.env.EN_USER, roles])
      try {
        await admin.goto(`${base}/login`)
        await login(admin, 'admin', ADMIN_PW)
        await admin.waitForURL(`${base}/`)
        await page.locator('[data-test=arc-ex-pii]').click() // offered: the user holds pii:read
        // taken away between the check and the download (the check's reply held back until the
        // roles are changed to cashier: customer:read, no pii:read): the download itself is
        // refused, which the browser shows as a failed download; nothing saved, the page
        // unaware (the browser downloads outside the page's routes: only the check is held)
        let changed = 0
        await page.route('**/api/v1/export/**', async (route) => {
          const reply = await route.fetch()
          changed = await setRoles('cashier')
          await route.fulfill({ response: reply })
        })
        try {
          const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=arc-ex-submit]').click()])
          assert(changed === 200, 'roles changed after the check')
          const failure = await dl.failure()
          assert(failure !== null, 'the browser reports the download failed (no JSON error saved as a file)')
          assert((await page.locator('[data-test=arc-ex-error]').count()) === 0, 'the check passed: no error in the page')
        } finally {
          await page.unroute('**/api/v1/export/**')
        }
        const en = await refusedExport(page, '[data-test=arc-ex-submit]')
        assert(en === "with_pii=true needs permission 'pii:read': without it the export is masked", `in English: ${en}`)
        await shot(page, 'archive-refused-en')
        await page.locator('[data-test=lang-zh]').click()
        await page.getByRole('heading', { name: '档案导入导出' }).waitFor()
        const zh = await refusedExport(page, '[data-test=arc-ex-submit]')
        assert(zh === "with_pii=true 需要 'pii:read' 权限；无此权限时导出的个人信息均已脱敏", `in Chinese: ${zh}`)
        await shot(page, 'archive-refused-zh')
      } finally {
        const back = await setRoles('service_agent').catch(() => 0)
        await adminCtx.close()
        assert(back === 200, 'roles given back')
      }
      await page.locator('[data-test=arc-ex-pii]').click() // off: the masked export is the user's to take
      const f = await downloaded(page, '[data-test=arc-ex-submit]')
      assert(f.text.includes('9800000001,') && (await page.locator('[data-test=arc-ex-error]').count()) === 0, 'the export again, the error gone')
      await page.locator('[data-test=lang-en]').click()
    })
    await ctx.close()
  }

  // ---------------- a cashier: customer:read only ----------------
  {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' })
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'cashier-archive')
    await step(page, 'a cashier is offered the export alone, with personal data masked', async () => {
      await page.goto(`${base}/login`)
      await login(page, 'cashier1', CASHIER_PW)
      await page.waitForURL(`${base}/`)
      await page.locator('[data-test=nav-archive]').click()
      await page.locator('[data-test=arc-export]').waitFor()
      assert((await page.locator('[data-test=arc-import]').count()) === 0, 'no import without customer:write')
      assert((await page.locator('[data-test=arc-ex-pii]').count()) === 0, 'no clear personal data without pii:read')
      const f = await downloaded(page, '[data-test=arc-ex-submit]')
      const one = f.text.split(/\r?\n/).find((l) => l.startsWith('9800000001,'))
      assert(one && one.includes('138****2222') && !one.includes('13811112222'), `masked: ${one}`)
      await shot(page, 'archive-cashier-zh')
    })
    await ctx.close()
  }

  // ---------------- phone, 360 px ----------------
  {
    const ctx = await browser.newContext(PHONE)
    const page = await ctx.newPage()
    page.setDefaultTimeout(10000)
    watch(page, 'phone-archive')
    await page.goto(`${base}/login`)
    await login(page, 'admin', ADMIN_PW)
    await page.waitForURL(`${base}/`)
    await phonePages(page, [['archive', '/archive', '[data-test=arc-ex-submit]']])
    await ctx.close()
  }
  await noErrors(browser, 'archive: no JavaScript errors or policy (CSP) violations')
} catch (e) {
  notOk('browser: the archive journeys ran to the end', e)
} finally {
  await browser.close()
}
process.exit(failures() ? 1 : 0)
