// The one way the UI talks to the server: the public JSON API under /api/v1, same origin,
// the session in an HttpOnly cookie. Every write carries the CSRF token the login (or
// /auth/me) returned. Every request says the UI's language (Accept-Language), so the server
// answers errors in it. Errors become ApiError with the server's code, message and field (and
// messageEn, the English text, when the message is Chinese).

export class ApiError extends Error {
  constructor(status, code, message, field, messageEn) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.messageEn = messageEn || message
  }
}

let csrfToken = null
let onUnauthenticated = null

export function setCsrfToken(token) {
  csrfToken = token || null
}

/** Called with the error when a request other than the login answers 401. */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn
}

/** The query string of `params`, leaving out empty values ('?a=1&b=x' or ''). */
export function queryString(params = {}) {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue
    q.append(k, String(v))
  }
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** The UI's language as an Accept-Language value: <html lang>, which main.js and setLang()
 *  keep; Chinese unless it is English. */
export function uiLanguage() {
  return globalThis.document?.documentElement?.lang === 'en' ? 'en' : 'zh-CN'
}

// `body` goes as JSON, `csv` (text) as text/csv (the CSV imports)
export async function api(method, path, { body, csv, query, fetchImpl = globalThis.fetch } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': uiLanguage() }
  const write = method !== 'GET' && method !== 'HEAD'
  if (write && csrfToken) headers['X-CSRF-Token'] = csrfToken
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (csv !== undefined) headers['Content-Type'] = 'text/csv; charset=utf-8'
  let res
  try {
    res = await fetchImpl(`/api/v1${path}${queryString(query)}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: csv !== undefined ? csv : body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    const err = new ApiError(0, 'network', String(e?.message || e))
    err.network = true
    throw err
  }
  let data = null
  try {
    data = await res.json()
  } catch {
    data = null
  }
  if (!res.ok) {
    const e = data?.error || {}
    const err = new ApiError(res.status, e.code || 'internal', e.message || res.statusText, e.field, e.message_en)
    if (Array.isArray(e.bad)) err.bad = e.bad // an import's bad rows (line, column, value, reason)
    if (res.status === 401 && path !== '/auth/login' && onUnauthenticated) onUnauthenticated(err)
    throw err
  }
  return data
}
