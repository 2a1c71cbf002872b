// The service centre's logic in the browser (issue 7): an order's SLA state and countdown from
// the API's clocks and the server's "now" (so a test server at a pinned date counts right),
// times in the user's own time zone, and which buttons an order shows (the API's "allowed"
// list, cut to the steps a page offers). No Vue here: Vitest tests it (tests/unit/service.test.js).

export const SLA_STATES = ['ok', 'warning', 'breached', 'paused', 'none']
export const STATES = ['accepted', 'classified', 'dispatched', 'processing', 'responded', 'replied', 'reviewed', 'archived', 'merged']
// the moves, in the order of the loop (route names of POST /tickets/{id}/...)
export const MOVES = ['classify', 'dispatch', 'process', 'respond', 'reply', 'review', 'archive']
// the other steps: reassign (POST .../dispatch), wait for the customer, merge, reopen
export const OTHER = ['assign', 'pause', 'resume', 'merge', 'reopen']

/** The user's time zone (the browser's), falling back to the business zone. */
export function userZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'Asia/Shanghai'
  } catch {
    return 'Asia/Shanghai'
  }
}

/**
 * The server's clock as seen now: `serverNow` (ISO, from the reply) plus the time since the
 * reply came (`receivedMs`, `nowMs` from Date.now()). Milliseconds since the epoch.
 */
export function serverClock(serverNow, receivedMs, nowMs) {
  const t = Date.parse(serverNow)
  return Number.isNaN(t) ? nowMs : t + Math.max(0, nowMs - receivedMs)
}

/**
 * An order's SLA state at `at` (ms) as the API's `sla` filter defines it: paused, none (no
 * running clock), breached (past the deadline), warning (past the warning share), else ok.
 * `sla` is a list item's {state, deadline_at, warn_at}.
 */
export function slaStateAt(sla, at) {
  if (!sla || sla.state === 'paused' || sla.state === 'none') return sla?.state || 'none'
  const deadline = Date.parse(sla.deadline_at)
  const warn = Date.parse(sla.warn_at)
  if (!Number.isNaN(deadline) && at > deadline) return 'breached'
  if (!Number.isNaN(warn) && at >= warn) return 'warning'
  return Number.isNaN(deadline) ? sla.state : 'ok'
}

/** Whole minutes between `at` and `deadline` (ms): {minutes, late}; null without a deadline. */
export function remaining(deadlineIso, at) {
  const d = Date.parse(deadlineIso || '')
  if (Number.isNaN(d)) return null
  const diff = d - at
  return { minutes: Math.floor(Math.abs(diff) / 60000), late: diff < 0 }
}

/** Minutes as "2d 3h 05m"-style parts: {d, h, m} (d 0 when under a day). */
export function splitMinutes(minutes) {
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const m = minutes % 60
  return { d, h, m: String(m).padStart(2, '0') }
}

/** The Element Plus tag type of a deadline's state (work orders' clocks and applications'
 *  stages): running ok / warning / breached / paused, or finished met / missed; others grey. */
export function slaTag(state) {
  const types = { ok: 'success', warning: 'warning', breached: 'danger', paused: 'info', met: 'success', missed: 'danger' }
  return types[state] || 'info'
}

/** The moves and other steps of `allowed` (the API's list), each in the page's order. */
export function splitAllowed(allowed = []) {
  return {
    moves: MOVES.filter((a) => allowed.includes(a)),
    other: OTHER.filter((a) => allowed.includes(a)),
  }
}

/** The request of a step: [path suffix, body] from the form's values. */
export function stepRequest(action, { note = '', org = '', assignee = '', into = '', subtype = '', severity = '', area = '' } = {}) {
  const body = {}
  const n = note.trim()
  if (n) body.note = n
  if (action === 'dispatch' || action === 'assign') {
    if (org) body.org = org
    if (assignee.trim()) body.assignee = assignee.trim()
    return ['dispatch', body]
  }
  if (action === 'classify') {
    if (subtype) body.subtype = subtype
    if (severity) body.severity = severity
    if (area) body.area = area
  }
  if (action === 'merge') body.into = Number(into)
  return [action, body]
}

// The field crew's three buttons on a repair order and the moves behind them:
// 接单 accept = 处理 (process), 到达 arrived = 响应/到达 (respond), 恢复送电 restored = 反馈 (reply)
export const CREW_STEPS = [
  { key: 'accept', action: 'process' },
  { key: 'arrived', action: 'respond' },
  { key: 'restored', action: 'reply' },
]

/** The crew step an order offers now (the first of CREW_STEPS in `allowed`), or null. */
export function crewStep(allowed = []) {
  return CREW_STEPS.find((s) => allowed.includes(s.action)) || null
}

/** Counts per SLA state, as text, from GET /tickets/sla-summary's reply: {state: 'n'} for
 *  every state of SLA_STATES (0 for a state the reply lacks). */
export function slaCounts(summary) {
  const out = {}
  for (const state of SLA_STATES) out[state] = String(summary?.counts?.[state] || 0)
  return out
}

/** The name of a type, or of its subtype, from the taxonomy reply's types; the code if unknown. */
export function taxName(types, type, subtype, lang) {
  const x = (types || []).find((y) => y.code === type)
  const y = subtype ? x?.subtypes?.find((z) => z.code === subtype) : x
  if (!y) return subtype || type || ''
  return lang === 'en' ? y.name_en : y.name_zh
}

/** The name of a code of a taxonomy list (channels, severities, areas); the code if unknown. */
export function codeName(list, code, lang) {
  const x = (list || []).find((y) => y.code === code)
  return x ? (lang === 'en' ? x.name_en : x.name_zh) : code || ''
}
