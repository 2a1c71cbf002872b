// The readings import in chunks: splitting a file, the chunks' bodies, line numbers mapped back,
// and the tally: every data line accepted or refused exactly once, resumable after a failure.
import { describe, expect, it } from 'vitest'
import { chunkBody, importChunks, newTally, percent, splitCsv } from '../../src/importChunks.js'

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
