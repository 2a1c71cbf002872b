// The one way the UI talks to the server: the public JSON API under /api/v1, same origin,
// the session in an HttpOnly cookie. Every write carries the CSRF token the login (or
// /auth/me) returned. Every request says the UI's language (Accept-Language), so the server
// answers errors in it. Errors become ApiError with the server's code, message and field (and
// messageEn, the English text, when the message is Chinese). A CSV download (download()) comes
// back as a Blob with the file name the server gave.

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

// The ApiError of a refused reply `res` (its body parsed as `data`, or null).
function refusal(res, data, path) {
  const e = data?.error || {}
  const err = new ApiError(res.status, e.code || 'internal', e.message || res.statusText, e.field, e.message_en)
  if (Array.isArray(e.bad)) { // an import's bad rows (line, column, value, reason), and how many
    err.bad = e.bad
    err.badCount = Number.isInteger(e.bad_count) ? e.bad_count : e.bad.length
  }
  if (res.status === 401 && path !== '/auth/login' && onUnauthenticated) onUnauthenticated(err)
  return err
}

function networkError(e) {
  const err = new ApiError(0, 'network', String(e?.message || e))
  err.network = true
  return err
}

async function send(path, query, init, fetchImpl) {
  try {
    return await fetchImpl(`/api/v1${path}${queryString(query)}`, { ...init, credentials: 'same-origin' })
  } catch (e) {
    throw networkError(e)
  }
}

function parse(text) {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** POST a CSV file (a Blob) as api() does, reporting the upload: onProgress(sent, total) as
 *  the bytes go (fetch cannot tell; XMLHttpRequest can). The reply, or an ApiError as api(). */
export function upload(path, { csv, charset = 'utf-8', query, onProgress = () => {}, Xhr = globalThis.XMLHttpRequest } = {}) {
  return new Promise((resolve, reject) => {
    const x = new Xhr()
    x.open('POST', `/api/v1${path}${queryString(query)}`)
    x.setRequestHeader('Accept', 'application/json')
    x.setRequestHeader('Accept-Language', uiLanguage())
    if (csrfToken) x.setRequestHeader('X-CSRF-Token', csrfToken)
    x.setRequestHeader('Content-Type', `text/csv; charset=${charset}`)
    x.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total)
    }
    x.upload.onload = () => onProgress(1, 1) // all sent (a small body may have had no progress event)
    x.onerror = () => reject(networkError('the request failed'))
    x.onload = () => {
      const data = parse(x.responseText)
      if (x.status >= 200 && x.status < 300) resolve(data)
      else reject(refusal({ status: x.status, statusText: x.statusText }, data, path))
    }
    x.send(csv)
  })
}

// `body` goes as JSON, `csv` as text/csv (the CSV imports): a string, or a file's bytes (a Blob)
// in `charset` (the encoding the route is told in its query, e.g. gbk)
export async function api(method, path, { body, csv, charset = 'utf-8', query, fetchImpl = globalThis.fetch } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': uiLanguage() }
  const write = method !== 'GET' && method !== 'HEAD'
  if (write && csrfToken) headers['X-CSRF-Token'] = csrfToken
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (csv !== undefined) headers['Content-Type'] = `text/csv; charset=${charset}`
  const res = await send(path, query, {
    method,
    headers,
    body: csv !== undefined ? csv : body === undefined ? undefined : JSON.stringify(body),
  }, fetchImpl)
  let data = null
  try {
    data = await res.json()
  } catch {
    data = null
  }
  if (!res.ok) throw refusal(res, data, path)
  return data
}

/** The file name of a Content-Disposition value (filename*=UTF-8'' first), or `fallback`. */
export function dispositionName(value, fallback) {
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(value || '')
  if (star) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* a malformed escape: the plain name */
    }
  }
  const m = /filename\s*=\s*(?:"([^"]*)"|([^;\s]+))/.exec(value || '')
  const name = (m?.[1] ?? m?.[2] ?? '').replace(/[\\/]/g, '_')
  return name || fallback
}

/** GET a file (an export): { blob, name } with the server's file name, or an ApiError as api(). */
export async function download(path, { query, fallback = 'download', fetchImpl = globalThis.fetch } = {}) {
  const headers = { Accept: 'text/csv, application/json', 'Accept-Language': uiLanguage() }
  const res = await send(path, query, { method: 'GET', headers }, fetchImpl)
  if (!res.ok) {
    let data = null
    try {
      data = await res.json()
    } catch {
      data = null
    }
    throw refusal(res, data, path)
  }
  return { blob: await res.blob(), name: dispositionName(res.headers.get('Content-Disposition'), fallback) }
}
