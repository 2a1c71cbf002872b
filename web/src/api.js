// The one way the UI talks to the server: the public JSON API under /api/v1, same origin,
// the session in an HttpOnly cookie. Every write carries the CSRF token the login (or
// /auth/me) returned. Every request says the UI's language (Accept-Language), so the server
// answers errors in it. Errors become ApiError with the server's code, message and field (and
// messageEn, the English text, when the message is Chinese). A CSV download (download()) is
// checked through the API, then saved by the browser straight from the server's reply.

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
    return await fetchImpl(apiUrl(path, query), { ...init, credentials: 'same-origin' })
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
    x.open('POST', apiUrl(path, query))
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

/** The address of API path `path` with `query` (as queryString()), as fetch and links use it. */
export function apiUrl(path, query) {
  return `/api/v1${path}${queryString(query)}`
}

/** Have the browser save the reply of `url` as a file (an <a download> clicked): it goes to
 *  disk as it arrives, never into the page's memory, with the session cookie like any request
 *  of the page (a GET: no CSRF token needed). The server's Content-Disposition names the file;
 *  `name` is the browser's fallback. */
export function saveUrl(url, name, doc = globalThis.document) {
  const a = doc.createElement('a')
  a.href = url
  a.download = name
  a.style.display = 'none'
  doc.body.appendChild(a)
  a.click()
  a.remove()
}

/**
 * Download a file (an export) without holding it: first GET `path` with check=true, which runs
 * every check the file's route makes and answers {"ok": true, "filename": ...} without writing
 * the file (its refusal thrown as an ApiError, as api() does, so the page shows the message in
 * its language instead of a saved JSON error); then the browser downloads the same URL without
 * check (saveUrl). Resolves { name } once the download is handed to the browser: a failure after
 * the check (the data changed meanwhile, a server error) shows in the browser's downloads, not
 * in the page.
 */
export async function download(path, { query, fallback = 'download', fetchImpl = globalThis.fetch, doc = globalThis.document } = {}) {
  const reply = await api('GET', path, { query: { ...query, check: true }, fetchImpl })
  const name = typeof reply?.filename === 'string' && reply.filename ? reply.filename : fallback
  saveUrl(apiUrl(path, query), name, doc)
  return { name }
}
