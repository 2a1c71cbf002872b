// Display formatting. Money arrives from the API as exact decimal strings ("146.49",
// "-1234567.8"): it is formatted as text, never through a JavaScript number, so no amount is
// ever rounded by floating point (DESIGN §3).

const MONEY_RE = /^(-)?(\d+)(?:\.(\d{1,2}))?$/

/** "1234567.8" -> "¥1,234,567.80" (zh-CN) or "CNY 1,234,567.80" (en); null for bad input. */
export function formatMoney(amount, lang = 'zh-CN', { symbol = true } = {}) {
  if (typeof amount !== 'string') return null
  const m = MONEY_RE.exec(amount.trim())
  if (!m) return null
  const [, minus, whole, frac = ''] = m
  const intPart = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const digits = `${intPart}.${frac.padEnd(2, '0')}`
  const negative = minus && /[1-9]/.test(whole + frac)
  const prefix = !symbol ? '' : lang === 'en' ? 'CNY ' : '¥'
  return `${negative ? '-' : ''}${prefix}${digits}`
}

/** An ISO 8601 instant as local date and time ("2025-06-30 14:05"), or '' for none. */
export function formatDateTime(iso, timeZone = 'Asia/Shanghai') {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(d).map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

/** "1234.5" kWh -> "1,234.50 kWh" (exact, as text); null for bad input. */
export function formatKwh(kwh, { unit = true } = {}) {
  const s = formatMoney(kwh, 'zh-CN', { symbol: false })
  return s === null ? null : unit ? `${s} kWh` : s
}

/** "98.5" -> "98.50%"; '—' for nothing. */
export function formatPct(pct) {
  const s = formatMoney(pct, 'zh-CN', { symbol: false })
  return s === null ? '—' : `${s}%`
}

/** A decimal string in 分 as a BigInt ("146.49" -> 14649n); null for bad input. */
export function toFen(amount) {
  if (typeof amount !== 'string') return null
  const m = MONEY_RE.exec(amount.trim())
  if (!m) return null
  const [, minus, whole, frac = ''] = m
  const fen = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'))
  return minus ? -fen : fen
}

/** 分 (BigInt) back to the API's decimal string (14649n -> "146.49"). */
export function fenToAmount(fen) {
  const neg = fen < 0n
  const a = neg ? -fen : fen
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`
}

/** The sum of decimal strings, exactly ("0.10" + "0.20" = "0.30"); bad items count as 0. */
export function sumAmounts(list) {
  return fenToAmount(list.reduce((s, x) => s + (toFen(x) ?? 0n), 0n))
}

/**
 * A cashier's amount as typed: "" when it is a positive amount with at most two decimals
 * (the API's form), else the i18n key of the problem.
 */
export function amountProblem(text) {
  const s = String(text ?? '').trim()
  if (!s) return 'cash.amountRequired'
  if (!/^\d+(\.\d{1,2})?$/.test(s)) return 'cash.amountFormat'
  if (toFen(s) <= 0n) return 'cash.amountPositive'
  if (toFen(s) > 10000000000n) return 'cash.amountTooLarge'
  return ''
}

/**
 * A decimal string as a number for drawing a chart only (axes and bar heights); figures shown
 * as text always come from the string itself.
 */
export function chartNumber(s) {
  const n = Number(s)
  return Number.isFinite(n) ? n : 0
}

/** Group rows [{period, key, value}] into ECharts series by key over the sorted periods. */
export function seriesByKey(rows, { key, value, label = (k) => k }) {
  const periods = [...new Set(rows.map((r) => r.period))].sort()
  const keys = [...new Set(rows.map((r) => r[key]))].sort()
  const series = keys.map((k) => ({
    name: label(k),
    data: periods.map((p) => {
      const r = rows.find((x) => x.period === p && x[key] === k)
      return r ? chartNumber(r[value]) : 0
    }),
  }))
  return { periods, series }
}
