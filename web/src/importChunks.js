// A large readings or intervals file imported in chunks, so the page can show real progress:
// each request carries up to CHUNK_LINES data lines with the header repeated, to the ordinary
// import route (all-or-nothing per request). A chunk with bad lines is sent again without them,
// so every data line ends accepted or refused exactly once; refused lines keep the file's line
// numbers. Sending a chunk again is safe: a value already stored the same is skipped (counted
// unchanged), never posted twice, so an interrupted import can be resumed or run again. A
// check-only run also refuses, on the client, a line that contradicts an earlier chunk's
// (crossCheck below): the server sees one chunk at a time and stores nothing. For the same
// reason it leaves out of the chunk it sends a value an earlier chunk's accepted line gave the
// same, and counts it unchanged itself, as the server counts such a repeat in one file.

export const CHUNK_LINES = 2000

// The file's header and its data records, each with the file line it starts on (the header is
// line 1) and its text (a quoted field may span lines). Blank lines are left out.
export function splitCsv(text) {
  const lines = text.split('\n')
  const records = []
  let header = null
  let cur = null
  let open = false // inside a quoted field
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]
    if (!cur) {
      if (l === '' || l === '\r') continue
      cur = { line: i + 1, parts: [] }
    }
    cur.parts.push(l)
    for (const ch of l) if (ch === '"') open = !open
    if (open) continue
    const rec = { line: cur.line, text: cur.parts.join('\n') }
    cur = null
    if (header === null) header = rec.text
    else records.push(rec)
  }
  if (cur) records.push({ line: cur.line, text: cur.parts.join('\n') }) // an unclosed quote: the server says so
  return { header: header ?? '', records }
}

// The request body of some records, and each record's first line in it -> the record.
export function chunkBody(header, recs) {
  const byLine = new Map()
  let line = 2
  for (const r of recs) {
    byLine.set(line, r)
    line += r.text.split('\n').length
  }
  return { csv: `${header}\n${recs.map((r) => r.text).join('\n')}\n`, byLine }
}

// ---- a check-only run: the same reading twice with two values, in different chunks ----
// A check-only run stores nothing, so the server cannot see that a later chunk gives another
// value for a reading (meter, date and register) or an interval point that an earlier chunk
// gave: the real import refuses that later line (its value is stored by then). crossCheck()
// keeps what the accepted lines gave, across chunks, and refuses such a line before it is sent,
// the same way. A value repeated the same is no error, but the server counts the file's first
// one new and each repeat unchanged (reading_csv.c merge_group): repeats() finds such a value
// so that the chunk goes without it (a chunk checked alone would count it new again). Memory:
// one entry per accepted long line, or per meter-day of a wide file.

const REGISTERS = ['total', 'sharp', 'peak', 'flat', 'valley', 'reactive', 'demand']

// The fields of one CSV record ("" quoting, "" inside a quoted field for a quote).
export function csvFields(text) {
  const out = []
  let cur = ''
  let q = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cur += '"'; i++ } else if (c === '"') q = false
      else cur += c
    } else if (c === '"') q = true
    else if (c === ',') { out.push(cur); cur = '' } else cur += c
  }
  out.push(cur.endsWith('\r') ? cur.slice(0, -1) : cur)
  return out
}

// A record of `fields`, quoted where a field needs it.
export function csvRecord(fields) {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')
}

// A decimal as one spelling ("1.50" and "01.5" -> "1.5"); anything else as it is.
export function canonical(v) {
  const m = /^(-?)0*(\d*?)(?:\.(\d*?)0*)?$/.exec(v)
  if (!m || !/\d/.test(v)) return v
  const int = m[2] || '0'
  return `${m[1] && (int !== '0' || m[3]) ? '-' : ''}${int}${m[3] ? `.${m[3]}` : ''}`
}

const hhmm = (min) => `${String(Math.floor(min / 60)).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`

// The slots of a header: how a record's cells map to readings. null when the header is none of
// the four formats (the server says why).
function layout(header) {
  const cols = csvFields(header.replace(/^\uFEFF/, '')).map((c) => c.trim())
  const at = (n) => cols.indexOf(n)
  const meter = at('meter')
  if (meter < 0) return null
  if (at('register') >= 0 && at('value_kwh') >= 0 && at('read_on') >= 0) // readings, long
    return { meter, day: at('read_on'), reg: at('register'), cells: [{ col: at('value_kwh') }] }
  if (at('read_on') >= 0) { // readings, wide
    const cells = REGISTERS.filter((r) => at(r) >= 0).map((r) => ({ col: at(r), reg: r }))
    return cells.length ? { meter, day: at('read_on'), cells } : null
  }
  if (at('ts') >= 0 && at('kwh') >= 0) // intervals, long
    return { meter, ts: at('ts'), cells: [{ col: at('kwh') }] }
  const ps = cols.filter((c) => /^p\d+$/.test(c))
  if (at('date') >= 0 && ps.length) { // intervals, wide: p1 = 00:00, 96/48/24 points a day
    const step = 1440 / ps.length
    return { meter, day: at('date'), cells: ps.map((c) => ({ col: at(c), time: hhmm((Number(c.slice(1)) - 1) * step) })) }
  }
  return null
}

// conflict({ meter, day, reg, time, value, first, firstLine }) -> the reason (the page's
// language): reg for a register reading, time ("HH:MM") for an interval point.
export function crossCheck(header, conflict) {
  const lay = layout(header)
  const seen = new Map() // meter, day, register, time -> { v: [values], l: [lines] } by cell, rest
  const width = csvFields(header).length
  const keyCols = new Set(lay ? [lay.meter, lay.day, lay.ts, lay.reg, ...lay.cells.map((c) => c.col)].filter((c) => c !== undefined) : [])
  function cellsOf(rec) {
    const f = csvFields(rec.text)
    const meter = f[lay.meter] ?? ''
    let day = f[lay.day] ?? ''
    let time
    // "2025-03-01T00:15:00" -> 2025-03-01 and 00:15. A zone offset ("+08:00", "Z") is no time
    // the server takes (reading_csv.c parse_ts: local business time only): such a line is
    // neither compared nor left out, but sent, and the server refuses it as an invalid time
    if (lay.ts !== undefined) {
      const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(?::00)?$/.exec((f[lay.ts] ?? '').trim())
      if (!m) return null
      day = m[1]
      time = m[2]
    }
    const reg = lay.reg !== undefined ? (f[lay.reg] ?? '').trim() : undefined
    const key = [meter, day, reg ?? '', time ?? ''].join('\u0000')
    const cells = lay.cells.map((c) => {
      const v = (f[c.col] ?? '').trim()
      return v === '' ? null : { v: canonical(v), raw: v, reg: c.reg ?? reg, time: c.time ?? time, col: c.col }
    })
    // the other columns (source, minutes): a repeat must agree on them to be left out
    const rest = f.filter((_, i) => !keyCols.has(i)).map((x) => x.trim()).join('\u0000')
    return { key, meter, day, cells, fields: f, rest }
  }
  return {
    // The bad row of a record that gives another value than an accepted line did, or null.
    refusal(rec) {
      const x = lay && cellsOf(rec)
      const had = x && seen.get(x.key)
      if (!had) return null
      for (let i = 0; i < x.cells.length; i++) {
        const c = x.cells[i]
        if (c && had.v[i] !== undefined && had.v[i] !== c.v) {
          const unit = c.reg === 'demand' ? 'kW' : 'kWh'
          const reason = conflict({ meter: x.meter, day: x.day, reg: c.reg, time: c.time, value: `${c.v} ${unit}`, first: `${had.v[i]} ${unit}`, firstLine: had.l[i] })
          return { line: rec.line, column: csvFields(header.replace(/^\uFEFF/, ''))[c.col]?.trim(), value: c.raw, reason }
        }
      }
      return null
    },
    // A record (not refused) whose values an accepted line gave the same, its other columns
    // alike: { text, same } with `text` the record without them (null: nothing left to send)
    // and `same` how many values were left out; null when it repeats none.
    repeats(rec) {
      const x = lay && cellsOf(rec)
      const had = x && seen.get(x.key)
      if (!had || had.rest !== x.rest || x.fields.length !== width) return null // the server's to judge
      const fields = [...x.fields]
      let same = 0
      let left = 0
      x.cells.forEach((c, i) => {
        if (!c) return
        if (had.v[i] === c.v) {
          same++
          fields[lay.cells[i].col] = ''
        } else left++
      })
      if (!same) return null
      return { text: left ? csvRecord(fields) : null, same }
    },
    // Keep what accepted records gave (the first value of each reading).
    accept(recs) {
      if (!lay) return
      for (const rec of recs) {
        const x = cellsOf(rec)
        if (!x) continue
        let had = seen.get(x.key)
        if (!had) seen.set(x.key, (had = { v: [], l: [], rest: x.rest }))
        x.cells.forEach((c, i) => {
          if (c && had.v[i] === undefined) { had.v[i] = c.v; had.l[i] = rec.line }
        })
      }
    },
  }
}

// crossCheck()'s conflict() in the page's language: t is vue-i18n's (messages imp.* of
// i18n/desk.js).
export function conflictReason(t) {
  return (c) => {
    const v = { meter: c.meter, value: c.value, first: c.first, firstLine: c.firstLine }
    return c.reg
      ? t('imp.conflictReading', { ...v, date: c.day, reg: t(`imp.reg.${c.reg}`) })
      : t('imp.conflictPoint', { ...v, at: `${c.day} ${c.time}` })
  }
}

export function newTally(total) {
  return { total, done: 0, accepted: 0, refused: 0, created: 0, unchanged: 0, bad: [], next: 0 }
}

// Import records[tally.next ...] in chunks through post(csv) (the route's reply, or a thrown
// ApiError with .bad rows), updating the tally after each chunk and calling onProgress(tally).
// Throws on any other error with the tally at the chunk to resume from (tally.next). `check`
// (crossCheck(), for a check-only run) refuses a line that contradicts an earlier chunk's.
export async function importChunks(header, records, post, tally, onProgress = () => {}, size = CHUNK_LINES, check = null) {
  while (tally.next < records.length) {
    let pending = records.slice(tally.next, tally.next + size)
    const n = pending.length
    const bad = []
    let reply = null
    let kept = [] // a check-only run: records all of whose values an earlier chunk gave the same
    if (check) {
      pending = pending.filter((r) => {
        const b = check.refusal(r)
        if (b) bad.push(b)
        return !b
      })
      // what is sent: each record without the values it repeats (rep.same of them)
      pending = pending.flatMap((r) => {
        const rep = check.repeats(r)
        if (!rep) return [r]
        const sent = { ...r, orig: r, same: rep.same }
        if (rep.text === null) {
          kept.push(sent)
          return []
        }
        return [{ ...sent, text: rep.text }]
      })
    }
    while (pending.length) {
      const { csv, byLine } = chunkBody(header, pending)
      try {
        reply = await post(csv)
        break
      } catch (e) {
        if (!Array.isArray(e.bad) || !e.bad.length) throw e
        const refused = new Set()
        for (const b of e.bad) {
          const r = byLine.get(b.line)
          if (r && !refused.has(r)) {
            refused.add(r)
            bad.push({ ...b, line: r.line })
          }
        }
        if (!refused.size) { // nothing to leave out: the whole rest of the chunk is refused
          // (a check-only run's repeats left out with it, as the server would refuse them)
          for (const r of [...pending, ...kept].sort((a, b) => a.line - b.line)) bad.push({ ...e.bad[0], line: r.line })
          pending = []
          kept = []
          break
        }
        pending = pending.filter((r) => !refused.has(r))
      }
    }
    if (reply || kept.length) {
      const accepted = reply ? pending : []
      check?.accept(accepted.map((r) => r.orig ?? r))
      tally.accepted += accepted.length + kept.length
      tally.created += reply?.created ?? 0
      tally.unchanged += (reply?.unchanged ?? 0) + [...accepted, ...kept].reduce((n, r) => n + (r.same ?? 0), 0)
    }
    tally.refused += bad.length
    tally.bad.push(...bad)
    tally.done += n
    tally.next += n
    onProgress(tally)
  }
  tally.bad.sort((a, b) => a.line - b.line)
  return tally
}

export function percent(tally) {
  return tally.total ? Math.floor((tally.done * 100) / tally.total) : 100
}
