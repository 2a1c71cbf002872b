// A large readings or intervals file imported in chunks, so the page can show real progress:
// each request carries up to CHUNK_LINES data lines with the header repeated, to the ordinary
// import route (all-or-nothing per request). A chunk with bad lines is sent again without them,
// so every data line ends accepted or refused exactly once; refused lines keep the file's line
// numbers. Sending a chunk again is safe: a value already stored the same is skipped (counted
// unchanged), never posted twice, so an interrupted import can be resumed or run again.

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

export function newTally(total) {
  return { total, done: 0, accepted: 0, refused: 0, created: 0, unchanged: 0, bad: [], next: 0 }
}

// Import records[tally.next ...] in chunks through post(csv) (the route's reply, or a thrown
// ApiError with .bad rows), updating the tally after each chunk and calling onProgress(tally).
// Throws on any other error with the tally at the chunk to resume from (tally.next).
export async function importChunks(header, records, post, tally, onProgress = () => {}, size = CHUNK_LINES) {
  while (tally.next < records.length) {
    let pending = records.slice(tally.next, tally.next + size)
    const n = pending.length
    const bad = []
    let reply = null
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
          for (const r of pending) bad.push({ ...e.bad[0], line: r.line })
          pending = []
          break
        }
        pending = pending.filter((r) => !refused.has(r))
      }
    }
    if (reply) {
      tally.accepted += pending.length
      tally.created += reply.created
      tally.unchanged += reply.unchanged
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
