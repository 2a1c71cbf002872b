// The archive's CSV files page (archiveCsv.js) and the download side of the API client.
import { describe, expect, it } from 'vitest'
import { dataLines, exportQuery, guessEncoding, importQuery, outcome, scanFile, SHOWN_BAD } from '../../src/archiveCsv.js'
import { splitCsv } from '../../src/importChunks.js'
import { api, ApiError, apiUrl, download, queryString, saveUrl, setCsrfToken, upload } from '../../src/api.js'

const utf8 = (s) => new TextEncoder().encode(s)
// "张三" in GBK
const GBK_ZHANG_SAN = [0xd5, 0xc5, 0xc8, 0xfd]

describe('archive import', () => {
  it('guesses UTF-8 (with or without a BOM) and else GBK', () => {
    expect(guessEncoding(utf8('cust_no,name\n1,张三\n'))).toBe('utf-8')
    expect(guessEncoding(utf8('\uFEFFcust_no,name\n1,张三\n'))).toBe('utf-8')
    expect(guessEncoding(new Uint8Array([...utf8('cust_no,name\n1,'), ...GBK_ZHANG_SAN, 0x0a]))).toBe('gbk')
    expect(guessEncoding(new Uint8Array())).toBe('utf-8')
    // the first slice of a file may end inside a character
    expect(guessEncoding(utf8('cust_no,name\n1,张三').slice(0, -1))).toBe('utf-8')
  })
  it('counts data records, a quoted field over two lines as one', () => {
    expect(dataLines(utf8('cust_no,name,address\n1,a,"x\ny"\n\n2,b,z\n'))).toBe(2)
    expect(dataLines(utf8('cust_no,name\n'))).toBe(0)
    expect(dataLines(utf8(''))).toBe(0)
    expect(dataLines(new Uint8Array([...utf8('cust_no,name\r\n1,'), ...GBK_ZHANG_SAN, 0x0d, 0x0a]))).toBe(1)
    // as splitCsv() counts them (the readings page), on the bytes
    for (const text of ['h\n1\n2', 'h\r\n1\r\n\r\n2\r\n', 'h\n"a\n\nb",1\n2\n', 'h\n"open\n1\n', '\n\nh\n1\n', 'h\n"x""y",1\n'])
      expect(dataLines(utf8(text)), JSON.stringify(text)).toBe(splitCsv(text).records.length)
  })
  it('reads a file a slice at a time: the count and the guess whatever the slices', async () => {
    const text = 'cust_no,name,address\n9800000001,张三,"杭州\n1号"\n\n9800000002,李四,宁波\n'
    const gbk = new Blob([utf8('cust_no,name\n1,'), new Uint8Array(GBK_ZHANG_SAN), utf8('\n2,x\n')])
    for (const slice of [1, 2, 3, 7, 1 << 20]) {
      expect(await scanFile(new Blob([utf8(text)]), slice)).toEqual({ encoding: 'utf-8', lines: 2 })
      expect((await scanFile(gbk, slice)).lines).toBe(2)
    }
    expect((await scanFile(gbk)).encoding).toBe('gbk')
    expect(await scanFile(new Blob([]))).toEqual({ encoding: 'utf-8', lines: 0 })
  })
  it('asks the encoding always and dry_run only for a check', () => {
    expect(queryString(importQuery('gbk', true))).toBe('?encoding=gbk&dry_run=true')
    expect(queryString(importQuery('utf-8', false))).toBe('?encoding=utf-8')
  })
  it('reads a reply and a refusal', () => {
    expect(outcome({ table: 'customers', rows: 3, created: 2, unchanged: 1, committed: false, dry_run: true })).toEqual({
      ok: true, rows: 3, created: 2, unchanged: 1, committed: false, dryRun: true, bad: [], badCount: 0,
    })
    const e = new ApiError(400, 'invalid', '2 of 3 rows are bad; nothing was imported')
    e.bad = Array.from({ length: 150 }, (_, i) => ({ line: i + 2, column: 'org', value: 'NB', reason: 'unknown org unit' }))
    e.badCount = 1200
    const o = outcome(null, e)
    expect([o.ok, o.bad.length, o.bad[0].line, o.badCount]).toEqual([false, SHOWN_BAD, 2, 1200])
    // a refusal without bad rows (a missing column, a file too large): the message alone
    expect(outcome(null, new ApiError(413, 'too_large', 'request body larger than 1048576 bytes'))).toEqual({ ok: false, bad: [], badCount: 0 })
  })
  it('sends the file as it is, in the encoding it names', async () => {
    const calls = []
    const f = async (url, init) => {
      calls.push({ url, init })
      return { ok: true, status: 200, json: async () => ({ rows: 1 }) }
    }
    const blob = new Blob([new Uint8Array(GBK_ZHANG_SAN)])
    await api('POST', '/import/customers', { csv: blob, charset: 'gbk', query: importQuery('gbk', true), fetchImpl: f })
    expect(calls[0].url).toBe('/api/v1/import/customers?encoding=gbk&dry_run=true')
    expect(calls[0].init.headers['Content-Type']).toBe('text/csv; charset=gbk')
    expect(calls[0].init.body).toBe(blob)
  })
})

describe('archive export', () => {
  it('offers personal data in clear only with pii:read', () => {
    const form = { org: 'ZJ-HZ', encoding: 'gbk', bom: true, withPii: true }
    expect(exportQuery(form, ['customer:read', 'pii:read'])).toEqual({ org: 'ZJ-HZ', encoding: 'gbk', bom: true, with_pii: true })
    expect(queryString(exportQuery(form, ['customer:read']))).toBe('?org=ZJ-HZ&encoding=gbk&bom=true')
    expect(queryString(exportQuery({ org: '', encoding: 'utf-8', bom: false, withPii: false }, []))).toBe('?encoding=utf-8')
  })
  // a document whose <a> elements record their clicks: [href, download]
  function fakeDoc() {
    const clicked = []
    const doc = {
      clicked,
      body: { appendChild: () => {} },
      createElement: (tag) => ({ tag, style: {}, click() { clicked.push([this.href, this.download]) }, remove() {} }),
    }
    return doc
  }
  it('checks the export first, then lets the browser download the same URL without check', async () => {
    const calls = []
    const doc = fakeDoc()
    const ok = async (url, init) => {
      calls.push({ url, init })
      return { ok: true, status: 200, json: async () => ({ ok: true, table: 'accounts', filename: 'accounts-ZJ-HZ.csv' }) }
    }
    const query = { org: 'ZJ-HZ', encoding: 'gbk', with_pii: true }
    const r = await download('/export/accounts', { query, fallback: 'accounts.csv', fetchImpl: ok, doc })
    expect(r).toEqual({ name: 'accounts-ZJ-HZ.csv' })
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/export/accounts?org=ZJ-HZ&encoding=gbk&with_pii=true&check=true'])
    expect(calls[0].init.method).toBe('GET')
    expect(calls[0].init.credentials).toBe('same-origin')
    expect(calls[0].init.headers['X-CSRF-Token']).toBeUndefined()
    // the file itself: no fetch, no Blob; an <a download> to the real URL
    expect(doc.clicked).toEqual([['/api/v1/export/accounts?org=ZJ-HZ&encoding=gbk&with_pii=true', 'accounts-ZJ-HZ.csv']])
    expect(query).toEqual({ org: 'ZJ-HZ', encoding: 'gbk', with_pii: true }) // the caller's query untouched
    const unnamed = async () => ({ ok: true, status: 200, json: async () => ({ ok: true }) })
    expect(await download('/export/meters', { fallback: 'meters.csv', fetchImpl: unnamed, doc })).toEqual({ name: 'meters.csv' })
    expect(doc.clicked[1]).toEqual(['/api/v1/export/meters', 'meters.csv'])
  })
  it("throws the check's refusal and downloads nothing", async () => {
    const doc = fakeDoc()
    const refused = async () => ({
      ok: false,
      status: 403,
      statusText: 'Forbidden',
      json: async () => ({ error: { code: 'forbidden', message: '需要 pii:read 权限', message_en: 'needs pii:read', field: 'with_pii' } }),
    })
    const e = await download('/export/customers', { query: { with_pii: true }, fetchImpl: refused, doc }).catch((x) => x)
    expect(e).toBeInstanceOf(ApiError)
    expect([e.status, e.code, e.message, e.messageEn, e.field]).toEqual([403, 'forbidden', '需要 pii:read 权限', 'needs pii:read', 'with_pii'])
    const down = await download('/export/customers', { fetchImpl: async () => { throw new TypeError('Failed to fetch') }, doc }).catch((x) => x)
    expect(down.network).toBe(true)
    expect(doc.clicked).toEqual([])
  })
  it('saves a URL through an <a download>', () => {
    const doc = fakeDoc()
    saveUrl(apiUrl('/export/customers', { encoding: 'utf-8', bom: false }), 'customers.csv', doc)
    expect(doc.clicked).toEqual([['/api/v1/export/customers?encoding=utf-8', 'customers.csv']])
  })
})

describe('archive upload', () => {
  // a fake XMLHttpRequest: the test drives its upload events and its reply
  function fakeXhr() {
    const made = []
    class X {
      constructor() {
        this.headers = {}
        this.upload = {}
        made.push(this)
      }
      open(method, url) {
        Object.assign(this, { method, url })
      }
      setRequestHeader(k, v) {
        this.headers[k] = v
      }
      send(body) {
        this.body = body
      }
      reply(status, body) {
        Object.assign(this, { status, statusText: 'x', responseText: JSON.stringify(body) })
        this.onload()
      }
    }
    return { X, made }
  }
  it('reports the bytes sent, then the reply', async () => {
    const { X, made } = fakeXhr()
    const seen = []
    const blob = new Blob(['cust_no\n'])
    const p = upload('/import/customers', { csv: blob, charset: 'gbk', query: importQuery('gbk', true), onProgress: (n, t) => seen.push([n, t]), Xhr: X })
    const x = made[0]
    expect([x.method, x.url, x.body]).toEqual(['POST', '/api/v1/import/customers?encoding=gbk&dry_run=true', blob])
    expect(x.headers['Content-Type']).toBe('text/csv; charset=gbk')
    expect(x.headers['Accept-Language']).toBe('zh-CN')
    x.upload.onprogress({ lengthComputable: true, loaded: 4, total: 8 })
    x.upload.onprogress({ lengthComputable: false })
    x.upload.onload()
    x.reply(200, { rows: 1, created: 1, unchanged: 0 })
    expect(await p).toEqual({ rows: 1, created: 1, unchanged: 0 })
    expect(seen).toEqual([[4, 8], [1, 1]])
  })
  it('sends the CSRF token; a refusal keeps its bad rows; a failed request is a network error', async () => {
    const { X, made } = fakeXhr()
    setCsrfToken('tok9')
    const p = upload('/import/meters', { csv: 'asset_no\n', Xhr: X })
    setCsrfToken(null)
    expect(made[0].headers['X-CSRF-Token']).toBe('tok9')
    made[0].reply(400, { error: { code: 'invalid', message: '1 of 1 rows are bad; nothing was imported', bad_count: 1, bad: [{ line: 2, column: 'model', value: '', reason: 'model is missing' }] } })
    const e = await p.catch((x) => x)
    expect([e.status, e.message, e.badCount, e.bad[0].line]).toEqual([400, '1 of 1 rows are bad; nothing was imported', 1, 2])
    const q = upload('/import/meters', { csv: 'x', Xhr: X })
    made[1].onerror()
    expect((await q.catch((x) => x)).network).toBe(true)
  })
})
