import { describe, expect, it } from 'vitest'
import { api, ApiError, queryString, setCsrfToken, uiLanguage } from '../../src/api.js'

function fakeFetch(status, body) {
  const calls = []
  const fn = async (url, init) => {
    calls.push({ url, init })
    return { ok: status < 400, status, statusText: 'x', json: async () => body }
  }
  fn.calls = calls
  return fn
}

describe('api', () => {
  it('builds query strings without empty values', () => {
    expect(queryString({ name: '张三', limit: 20, type: '', after: null, prefix: false })).toBe(
      '?name=%E5%BC%A0%E4%B8%89&limit=20',
    )
    expect(queryString({})).toBe('')
  })
  it('sends the CSRF token on writes only', async () => {
    setCsrfToken('tok123')
    const f = fakeFetch(200, { status: 'ok' })
    await api('POST', '/auth/logout', { fetchImpl: f })
    await api('GET', '/auth/me', { fetchImpl: f })
    expect(f.calls[0].init.headers['X-CSRF-Token']).toBe('tok123')
    expect(f.calls[1].init.headers['X-CSRF-Token']).toBeUndefined()
    expect(f.calls[0].url).toBe('/api/v1/auth/logout')
    setCsrfToken(null)
  })
  it('sends JSON bodies', async () => {
    const f = fakeFetch(200, {})
    await api('POST', '/auth/login', { body: { username: 'a', password: 'b' }, fetchImpl: f })
    expect(f.calls[0].init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(f.calls[0].init.body)).toEqual({ username: 'a', password: 'b' })
  })
  it('sends CSV bodies as text/csv and keeps an import\'s bad rows', async () => {
    const f = fakeFetch(400, { error: { code: 'invalid', message: '1 bad row', bad_count: 1, bad: [{ line: 2, column: 'meter', value: 'X', reason: 'unknown meter' }] } })
    const e = await api('POST', '/readings/import', { csv: 'meter,read_on\nX,2025-07-15\n', query: { dry_run: true }, fetchImpl: f }).catch((x) => x)
    expect(f.calls[0].init.headers['Content-Type']).toBe('text/csv; charset=utf-8')
    expect(f.calls[0].init.body).toBe('meter,read_on\nX,2025-07-15\n')
    expect(f.calls[0].url).toBe('/api/v1/readings/import?dry_run=true')
    expect(e.bad).toEqual([{ line: 2, column: 'meter', value: 'X', reason: 'unknown meter' }])
  })
  it('turns the error shape into ApiError', async () => {
    const f = fakeFetch(400, { error: { code: 'invalid', message: 'bad', field: 'limit' } })
    const e = await api('GET', '/customers', { fetchImpl: f }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.message, e.field]).toEqual([400, 'invalid', 'bad', 'limit'])
  })
  it("sends the UI's language as Accept-Language: <html lang>, Chinese by default", async () => {
    const f = fakeFetch(200, {})
    await api('GET', '/auth/me', { fetchImpl: f })
    expect(f.calls[0].init.headers['Accept-Language']).toBe('zh-CN')
    globalThis.document = { documentElement: { lang: 'en' } }
    try {
      expect(uiLanguage()).toBe('en')
      await api('GET', '/auth/me', { fetchImpl: f })
      expect(f.calls[1].init.headers['Accept-Language']).toBe('en')
      globalThis.document.documentElement.lang = 'zh-CN'
      expect(uiLanguage()).toBe('zh-CN')
    } finally {
      delete globalThis.document
    }
  })
  it('keeps the English text of a Chinese error', async () => {
    const f = fakeFetch(404, { error: { code: 'not_found', message: '资源不存在', message_en: 'no such resource' } })
    const e = await api('GET', '/x', { fetchImpl: f }).catch((x) => x)
    expect([e.message, e.messageEn]).toEqual(['资源不存在', 'no such resource'])
    const g = fakeFetch(404, { error: { code: 'not_found', message: 'no such resource' } })
    const e2 = await api('GET', '/x', { fetchImpl: g }).catch((x) => x)
    expect(e2.messageEn).toBe('no such resource')
  })
  it('marks network failures', async () => {
    const e = await api('GET', '/x', { fetchImpl: async () => { throw new TypeError('Failed to fetch') } }).catch((x) => x)
    expect(e.network).toBe(true)
  })
})
