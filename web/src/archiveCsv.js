// The archive's CSV files in the browser (ArchiveView.vue): customers, accounts and meters
// imported through POST /import/{table} and exported through GET /export/{table}. An import
// is one request, all or nothing on the server, so the file goes whole, as its bytes, with the
// encoding the user chose (guessed from the bytes: Excel in China saves GBK); the server's
// body limit answers 413 for a larger file. The page reads a picked file a slice at a time (its
// records counted on the bytes, the encoding guessed from the first slice), never whole.

export const TABLES = ['customers', 'accounts', 'meters']
export const ENCODINGS = ['utf-8', 'gbk', 'gb18030']
/** Bad lines the page lists (the server reports up to 1,000 and counts them all). */
export const SHOWN_BAD = 100

/** How much of a file the page reads at a time, and guesses the encoding from. */
export const SLICE = 1 << 20

/** 'utf-8' when `bytes` (a Uint8Array, perhaps the start of a file: a character cut at its
 *  end is no error) are valid UTF-8, with or without a BOM; else 'gbk'. */
export function guessEncoding(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true })
    return 'utf-8'
  } catch {
    return 'gbk'
  }
}

/** A counter of a CSV file's data records fed its bytes a slice at a time (add(), then
 *  count()), as splitCsv() counts them: a quoted field may span lines, blank lines are none,
 *  the header is not one. On the bytes: '"', CR and LF are never part of a multi-byte
 *  character in UTF-8, GBK or GB18030. */
export function recordCounter() {
  let open = false // inside a quoted field
  let content = false // the record under way has more than CR
  let records = 0
  return {
    add(bytes) {
      for (const b of bytes) {
        if (b === 0x22) {
          open = !open
          content = true
        } else if (b === 0x0a) {
          if (!open && content) records++
          if (!open) content = false
        } else if (b !== 0x0d) content = true
      }
    },
    count: () => Math.max(0, records + (content ? 1 : 0) - 1),
  }
}

/** The data records of `bytes` (a whole small file). */
export function dataLines(bytes) {
  const c = recordCounter()
  c.add(bytes)
  return c.count()
}

/** A picked file read a slice at a time: { encoding guessed, lines }. */
export async function scanFile(file, slice = SLICE) {
  const c = recordCounter()
  let encoding = 'utf-8'
  for (let at = 0; at < file.size; at += slice) {
    const bytes = new Uint8Array(await file.slice(at, at + slice).arrayBuffer())
    if (at === 0) encoding = guessEncoding(bytes)
    c.add(bytes)
  }
  return { encoding, lines: c.count() }
}

/** The import's query: the encoding always, dry_run for a check-only run. */
export function importQuery(encoding, dryRun) {
  return { encoding, dry_run: dryRun || undefined }
}

/** The export's query; with_pii only for a user holding pii:read (the server refuses others). */
export function exportQuery(form, permissions) {
  const pii = form.withPii && Boolean(permissions?.includes('pii:read'))
  return { org: form.org || undefined, encoding: form.encoding, bom: form.bom || undefined, with_pii: pii || undefined }
}

/** The outcome of an import, for the page: what it counted, or the refusal's bad lines. */
export function outcome(reply, error) {
  if (error) {
    const bad = Array.isArray(error.bad) ? error.bad : []
    return { ok: false, bad: bad.slice(0, SHOWN_BAD), badCount: Math.max(bad.length, error.badCount || 0) }
  }
  return { ok: true, rows: reply.rows, created: reply.created, unchanged: reply.unchanged, committed: reply.committed, dryRun: reply.dry_run, bad: [], badCount: 0 }
}
