// The readings import in chunks: splitting a file, the chunks' bodies, line numbers mapped back,
// and the tally: every data line accepted or refused exactly once, resumable after a failure.
import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { messages } from '../../src/i18n/index.js'
import desk from '../../src/i18n/desk.js'
import {
  canonical, chunkBody, conflictReason, crossCheck, csvFields, csvRecord, importChunks, newTally, percent, splitCsv,
} from '../../src/importChunks.js'

const H = 'meter,read_on,source,total'

// A fake import route: all-or-nothing per request; a line whose total is "bad" is refused,
// values are stored by meter-day, a stored equal value counts unchanged.
function fakeServer() {
  const stored = new Map()
  const calls = []
  async function post(csv) {
    calls.push(csv)
    const lines = csv.split('\n')
    expect(lines[0]).toBe(H)
    const bad = []
    const rows = []
    lines.slice(1).forEach((l, i) => {
      if (!l) return
      const [m, d, , v] = l.split(',')
      if (v === 'bad') bad.push({ line: i + 2, column: 'total', value: v, reason: `负值 '${v}'` })
      else rows.push([`${m}/${d}`, v])
    })
    if (bad.length) {
      const e = new Error('bad rows')
      e.bad = bad
      throw e
    }
    let created = 0
    let unchanged = 0
    for (const [k, v] of rows) {
      if (stored.get(k) === v) unchanged++
      else { stored.set(k, v); created++ }
    }
    return { rows: rows.length, created, unchanged }
  }
  return { post, stored, calls }
}

function file(n, badAt = []) {
  const rows = []
  for (let i = 1; i <= n; i++) rows.push(`M${i},2025-07-15,remote,${badAt.includes(i) ? 'bad' : i}`)
  return `${H}\n${rows.join('\n')}\n`
}

describe('splitting a CSV file', () => {
  it('keeps the file line of each record; blank lines left out; CRLF kept', () => {
    const { header, records } = splitCsv(`${H}\r\nA,1\r\n\r\nB,2\r\n`)
    expect(header).toBe(`${H}\r`)
    expect(records).toEqual([{ line: 2, text: 'A,1\r' }, { line: 4, text: 'B,2\r' }])
  })
  it('a quoted field over two lines is one record', () => {
    const { records } = splitCsv(`${H}\nA,"x\ny",1\nB,2`)
    expect(records).toEqual([{ line: 2, text: 'A,"x\ny",1' }, { line: 4, text: 'B,2' }])
    const { csv, byLine } = chunkBody(H, records)
    expect(csv).toBe(`${H}\nA,"x\ny",1\nB,2\n`)
    expect([...byLine.keys()]).toEqual([2, 4])
  })
})

describe('importing in chunks', () => {
  it('5,001 lines in 3 chunks of at most 2,000, the header repeated, progress to 100 %', async () => {
    const srv = fakeServer()
    const { header, records } = splitCsv(file(5001))
    const seen = []
    const t = await importChunks(header, records, srv.post, newTally(records.length), (x) => seen.push([x.done, percent(x)]))
    expect(srv.calls.length).toBe(3)
    expect(seen).toEqual([[2000, 39], [4000, 79], [5001, 100]])
    expect([t.accepted, t.refused, t.created, t.unchanged]).toEqual([5001, 0, 5001, 0])
    expect(srv.stored.size).toBe(5001)
  })
  it('bad lines are refused with their file line numbers; the rest of their chunk is stored', async () => {
    const srv = fakeServer()
    const { header, records } = splitCsv(file(4500, [3, 2001, 4500]))
    const t = await importChunks(header, records, srv.post, newTally(records.length))
    expect([t.accepted, t.refused]).toEqual([4497, 3])
    expect(t.accepted + t.refused).toBe(t.total)
    expect(t.bad.map((b) => b.line)).toEqual([4, 2002, 4501]) // the header is line 1
    expect(t.bad[0].reason).toBe("负值 'bad'")
    expect(srv.stored.size).toBe(4497)
    expect(srv.stored.has('M3/2025-07-15')).toBe(false)
    expect(srv.calls.length).toBe(3 + 3) // each chunk with a bad line sent again without it
  })
  it('an interrupted import resumes at the chunk that failed; run again, nothing is posted twice', async () => {
    const srv = fakeServer()
    let fail = 2
    const post = async (csv) => {
      if (--fail === 0) throw Object.assign(new Error('network'), { network: true })
      return srv.post(csv)
    }
    const { header, records } = splitCsv(file(4100))
    const t = newTally(records.length)
    await expect(importChunks(header, records, post, t)).rejects.toThrow('network')
    expect([t.next, t.accepted]).toEqual([2000, 2000])
    await importChunks(header, records, post, t) // resume
    expect([t.done, t.accepted, t.refused, t.created]).toEqual([4100, 4100, 0, 4100])
    const again = await importChunks(header, records, srv.post, newTally(records.length))
    expect([again.accepted, again.created, again.unchanged]).toEqual([4100, 0, 4100])
    expect(srv.stored.size).toBe(4100)
  })
  it('a refusal naming no line of the chunk refuses the whole rest of it', async () => {
    const post = async () => { throw Object.assign(new Error('x'), { bad: [{ line: 99, reason: 'r' }] }) }
    const { header, records } = splitCsv(file(3))
    const t = await importChunks(header, records, post, newTally(3))
    expect([t.accepted, t.refused, t.bad.map((b) => b.line)]).toEqual([0, 3, [2, 3, 4]])
  })
  it('an empty file is done at once', async () => {
    const t = await importChunks(H, [], async () => ({}), newTally(0))
    expect(percent(t)).toBe(100)
  })
})

// A check-only route: each request checked alone (two values for one reading in one request
// refuse the later line), nothing stored; every value counted new, but a value repeated the
// same in the request counted unchanged (as reading_csv.c merge_group counts it).
function dryServer() {
  const calls = []
  async function post(csv) {
    calls.push(csv)
    const lines = csv.split('\n')
    const cols = csvFields(lines[0])
    const seen = new Map()
    const bad = []
    let values = 0
    let same = 0
    lines.slice(1).forEach((l, i) => {
      if (!l) return
      const f = csvFields(l)
      cols.forEach((c, j) => {
        if (!['total', 'peak', 'value_kwh', 'kwh'].includes(c) || f[j] === '') return
        const key = `${f[0]}|${f[1]}|${cols.includes('register') ? f[2] : c}`
        if (seen.has(key) && seen.get(key) !== Number(f[j])) bad.push({ line: i + 2, column: c, value: f[j], reason: 'twice' })
        else if (seen.has(key)) same++
        else { seen.set(key, Number(f[j])); values++ }
      })
    })
    if (bad.length) throw Object.assign(new Error('bad rows'), { bad })
    return { rows: lines.length - 2, created: values, unchanged: same }
  }
  return { post, calls }
}

function tr(lang) {
  const i18n = createI18n({ legacy: false, locale: lang, messages })
  i18n.global.mergeLocaleMessage(lang, desk[lang])
  return i18n.global.t
}

async function check(text, lang = 'zh-CN', size = 2) {
  const srv = dryServer()
  const { header, records } = splitCsv(text)
  const t = await importChunks(header, records, srv.post, newTally(records.length), () => {}, size,
    crossCheck(header, conflictReason(tr(lang))))
  return { t, srv }
}

describe('a check-only run in chunks: one reading with two values in different chunks', () => {
  it('a wide file: the later line refused, naming both lines, in Chinese with the register\'s name', async () => {
    // chunks of two lines: 2-3, 4-5, 6; line 4 adds peak to line 2's meter-day
    const { t } = await check(`${H},peak\nM1,2025-07-15,remote,1,\nM2,2025-07-15,remote,5,\nM1,2025-07-15,remote,1.000,0.4\nM3,2025-07-15,remote,1,\nM1,2025-07-15,remote,1,0.5\n`)
    expect([t.accepted, t.refused]).toEqual([4, 1])
    expect(t.bad).toEqual([{ line: 6, column: 'peak', value: '0.5', reason: '电能表 M1 2025-07-15 抄见的峰示数在本行为 0.5 kWh，先前为 0.4 kWh（第 4 行）' }])
  })
  it('in English, the register as its code; a line a chunk later, too', async () => {
    const { t } = await check(`${H}\nM1,2025-07-15,remote,1\nM2,2025-07-15,remote,1\nM3,2025-07-15,remote,1\nM4,2025-07-15,remote,1\nM1,2025-07-15,remote,02.50\n`, 'en')
    expect(t.bad.map((b) => [b.line, b.column, b.value, b.reason])).toEqual([
      [6, 'total', '02.50', 'meter M1 read on 2025-07-15: total is 2.5 kWh here but 1 kWh on line 2'],
    ])
    expect(t.accepted + t.refused).toBe(t.total)
  })
  it('the same value again, another meter, date or register: no refusal', async () => {
    const { t } = await check(`${H},peak\nM1,2025-07-15,remote,1,\nM1,2025-07-16,remote,2,\nM1,2025-07-15,remote,1.0,3\nM2,2025-07-15,remote,9,\n`)
    expect([t.accepted, t.refused]).toEqual([4, 0])
  })
  it('a long file, and two values within one chunk still left to the server', async () => {
    const L = 'meter,read_on,register,value_kwh,source'
    const { t, srv } = await check(`${L}\nM1,2025-07-15,total,1,remote\nM1,2025-07-15,peak,1,remote\nM1,2025-07-15,total,2,remote\nM1,2025-07-15,peak,1,remote\nM2,2025-07-15,total,1,remote\nM2,2025-07-15,total,3,remote\n`)
    expect(t.bad.map((b) => [b.line, b.reason])).toEqual([
      [4, '电能表 M1 2025-07-15 抄见的总示数在本行为 2 kWh，先前为 1 kWh（第 2 行）'],
      [7, 'twice'],
    ])
    // the second chunk sends nothing: line 4 refused here, line 5 repeats line 3 the same
    expect(srv.calls.slice(1)).toEqual([`${L}\nM2,2025-07-15,total,1,remote\nM2,2025-07-15,total,3,remote\n`, `${L}\nM2,2025-07-15,total,1,remote\n`])
  })
  it('interval data, long (the time as the file spells it or not) and wide', async () => {
    const { t } = await check('meter,ts,kwh\nM1,2025-07-15 00:15,0.25\nM1,2025-07-15 00:30,1\nM1,2025-07-15T00:15:00,0.3\n')
    expect(t.bad.map((b) => [b.line, b.reason])).toEqual([[4, '电能表 M1 2025-07-15 00:15 在本行为 0.3 kWh，先前为 0.25 kWh（第 2 行）']])
    const wide = await check('meter,date,p1,p2,p3,p4\nM1,2025-07-15,1,2,,\nM2,2025-07-15,1,1,1,1\nM1,2025-07-15,1,2,3,4\nM3,2025-07-15,1,1,1,1\nM1,2025-07-15,,,3,5\n', 'en')
    expect(wide.t.bad.map((b) => [b.line, b.column, b.reason])).toEqual([[6, 'p4', 'meter M1 on 2025-07-15 18:00 is 5 kWh here but 4 kWh on line 4']])
  })
  it('zone offsets are not times the server takes: such a line is left to it, never compared', async () => {
    // reading_csv.c parse_ts takes "YYYY-MM-DD HH:MM" (T, :00) only and refuses the rest as an
    // invalid time: two spellings of one instant with two values are two bad lines there, so the
    // page neither refuses one as a conflict nor leaves one out as a repeat
    const f = 'meter,ts,kwh\nM1,2025-06-01T00:15:00+08:00,0.25\nM2,2025-06-01 00:15,1\nM1,2025-05-31T16:15:00Z,0.3\nM1,2025-05-31T16:15:00Z,0.3\n'
    const { t, srv } = await check(f)
    expect([t.accepted, t.refused]).toEqual([4, 0]) // this fake server takes any time
    expect(srv.calls[1]).toBe('meter,ts,kwh\nM1,2025-05-31T16:15:00Z,0.3\nM1,2025-05-31T16:15:00Z,0.3\n')
  })
  it('a value repeated the same a chunk later counts unchanged once, as in one request', async () => {
    const L = 'meter,read_on,register,value_kwh,source'
    const long = `${L}\nM1,2025-07-15,total,1,remote\nM2,2025-07-15,total,1,remote\nM1,2025-07-15,total,1.0,remote\nM3,2025-07-15,total,1,remote\nM1,2025-07-15,total,1,remote\n`
    const whole = await check(long, 'zh-CN', 100)
    const { t, srv } = await check(long)
    expect([t.accepted, t.refused, t.created, t.unchanged]).toEqual([5, 0, 3, 2])
    expect([t.created, t.unchanged]).toEqual([whole.t.created, whole.t.unchanged])
    expect(srv.calls.slice(1)).toEqual([`${L}\nM3,2025-07-15,total,1,remote\n`]) // the repeats not sent
    expect(t.bad).toEqual([])
    // a wide line: its repeated register left out, the new one sent
    const wide = `${H},peak\nM1,2025-07-15,remote,1,\nM2,2025-07-15,remote,5,\nM1,2025-07-15,remote,1,0.4\nM1,2025-07-15,remote,1,0.4\n`
    const w = await check(wide)
    const ww = await check(wide, 'zh-CN', 100)
    expect([w.t.accepted, w.t.created, w.t.unchanged]).toEqual([4, 3, 3])
    expect([w.t.created, w.t.unchanged]).toEqual([ww.t.created, ww.t.unchanged])
    expect(w.srv.calls[1]).toBe(`${H},peak\nM1,2025-07-15,remote,,0.4\nM1,2025-07-15,remote,,0.4\n`)
  })
  it('a repeat that differs otherwise (source, columns) goes to the server as it is', async () => {
    const L = 'meter,read_on,register,value_kwh,source'
    const { srv } = await check(`${L}\nM1,2025-07-15,total,1,remote\nM2,2025-07-15,total,1,remote\nM1,2025-07-15,total,1,manual\nM1,2025-07-15,total,1\n`)
    expect(srv.calls[1]).toBe(`${L}\nM1,2025-07-15,total,1,manual\nM1,2025-07-15,total,1\n`)
    // a field that needs quotes is quoted again in the line sent without its repeat
    const q = await check('meter,read_on,source,total,peak,note\nM1,2025-07-15,remote,1,,"a,b"\nM2,2025-07-15,remote,1,,x\nM1,2025-07-15,remote,1,2,"a,b"\n')
    expect(q.srv.calls[1]).toBe('meter,read_on,source,total,peak,note\nM1,2025-07-15,remote,,2,"a,b"\n')
    expect(csvRecord(['a', 'b,"c"', '', 'd\ne'])).toBe('a,"b,""c""",,"d\ne"')
  })
  it('a chunk refused as a whole refuses its repeats too: every line counted once', async () => {
    const L = 'meter,read_on,register,value_kwh,source'
    const { header, records } = splitCsv(`${L}\nM1,2025-07-15,total,1,remote\nM2,2025-07-15,total,1,remote\nM1,2025-07-15,total,1,remote\nM3,2025-07-15,total,1,remote\n`)
    let n = 0
    const post = async () => {
      if (n++ === 0) return { created: 2, unchanged: 0 }
      throw Object.assign(new Error('bad rows'), { bad: [{ line: 1, column: '-', value: '', reason: 'header' }] })
    }
    const t = await importChunks(header, records, post, newTally(records.length), () => {}, 2, crossCheck(header, conflictReason(tr('en'))))
    expect([t.accepted, t.refused, t.bad.map((b) => b.line)]).toEqual([2, 2, [4, 5]])
  })
  it('a real import checks nothing itself: the server refuses against what it stored', async () => {
    const srv = fakeServer()
    const { header, records } = splitCsv(`${H}\nM1,2025-07-15,remote,1\nM2,2025-07-15,remote,1\nM1,2025-07-15,remote,2\n`)
    const t = await importChunks(header, records, srv.post, newTally(records.length), () => {}, 2)
    expect([t.accepted, t.refused]).toEqual([3, 0]) // this fake server overwrites; the real one refuses
  })
  it('spells decimals one way and splits quoted fields', () => {
    expect(['1.50', '01.5', '1.', '0', '-0', '.5', '100', '1e3', ''].map(canonical)).toEqual(['1.5', '1.5', '1', '0', '0', '0.5', '100', '1e3', ''])
    expect(csvFields('a,"b,""c""",d\r')).toEqual(['a', 'b,"c"', 'd'])
  })
})
