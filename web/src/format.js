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
