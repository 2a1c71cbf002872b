// The login page's budget (issue 7 §4): JavaScript it loads, compressed (bytes on the wire as
// served, and gzip -9 of each file), and its paint times on localhost, in Debian's chromium
// with a cold cache, median of BENCH_WEB_RUNS loads (default 7). Prints figures, asserts
// nothing. Run by bench/web-budget.sh, which starts `pmis serve`; PMIS_WEB_BASE is its URL.
import { createRequire } from 'node:module'
import { gzipSync } from 'node:zlib'

const require = createRequire(new URL('../web/package.json', import.meta.url))
const { chromium } = require('playwright-core')
const base = process.env.PMIS_WEB_BASE
const runs = Number(process.env.BENCH_WEB_RUNS || 7)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
})
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]
const fcp = [], lcp = [], ready = []
let scripts = null
for (let i = 0; i < runs; i++) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  const bodies = new Map()
  page.on('response', async (r) => {
    if (/\.m?js$/.test(new URL(r.url()).pathname)) bodies.set(r.url(), await r.body().catch(() => null))
  })
  await page.goto(`${base}/login`, { waitUntil: 'load' })
  await page.locator('[data-test=login-form]').waitFor()
  const m = await page.evaluate(async () => {
    const lcpTime = await new Promise((resolve) => {
      new PerformanceObserver((l) => {
        const e = l.getEntries()
        resolve(e[e.length - 1].startTime)
      }).observe({ type: 'largest-contentful-paint', buffered: true })
      setTimeout(() => resolve(NaN), 2000)
    })
    const paint = performance.getEntriesByName('first-contentful-paint')[0]
    const res = performance.getEntriesByType('resource').filter((e) => /\.m?js(\?|$)/.test(e.name))
    return {
      fcp: paint ? paint.startTime : NaN,
      lcp: lcpTime,
      domReady: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      js: res.map((e) => ({ name: e.name, wire: e.encodedBodySize, raw: e.decodedBodySize })),
    }
  })
  fcp.push(m.fcp)
  lcp.push(m.lcp)
  ready.push(m.domReady)
  if (!scripts) {
    await page.waitForTimeout(200)
    scripts = m.js.map((s) => ({ ...s, gzip: bodies.get(s.name) ? gzipSync(bodies.get(s.name), { level: 9 }).length : NaN }))
  }
  await ctx.close()
}
await browser.close()

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
console.log(`login page ${base}/login, chromium ${browser.version?.() ?? ''}, ${runs} cold loads`)
for (const s of scripts)
  console.log(`  ${new URL(s.name).pathname.padEnd(40)} raw ${kb(s.raw).padStart(10)}  on the wire ${kb(s.wire).padStart(10)}  gzip -9 ${kb(s.gzip).padStart(10)}`)
const sum = (k) => scripts.reduce((a, s) => a + s[k], 0)
console.log(`JavaScript: ${scripts.length} files, raw ${kb(sum('raw'))}, on the wire ${kb(sum('wire'))}, gzip -9 ${kb(sum('gzip'))} (budget 500 KiB compressed)`)
console.log(`first contentful paint: median ${median(fcp).toFixed(0)} ms (${Math.min(...fcp).toFixed(0)}-${Math.max(...fcp).toFixed(0)})`)
console.log(`largest contentful paint (the login card; first meaningful paint): median ${median(lcp).toFixed(0)} ms (${Math.min(...lcp).toFixed(0)}-${Math.max(...lcp).toFixed(0)}) (budget 1000 ms)`)
console.log(`DOMContentLoaded: median ${median(ready).toFixed(0)} ms`)
