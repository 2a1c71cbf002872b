// The archive's CSV files in the browser (ArchiveView.vue): customers, accounts and meters
// imported through POST /import/{table} and exported through GET /export/{table}. An import
// is one request, all or nothing on the server, so the file goes whole, as its bytes, with the
// encoding the user chose (guessed from the bytes: Excel in China saves GBK); the server's
// body limit (server.max_body_bytes) answers 413 for a larger file.
import { splitCsv } from './importChunks.js'

export const TABLES = ['customers', 'accounts', 'meters']
export const ENCODINGS = ['utf-8', 'gbk', 'gb18030']
/** Bad lines the page lists (the server reports up to 1,000 and counts them all). */
export const SHOWN_BAD = 100

/** 'utf-8' when `bytes` (a Uint8Array) are valid UTF-8, with or without a BOM; else 'gbk'. */
export function guessEncoding(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return 'utf-8'
  } catch {
    return 'gbk'
  }
}

/** The data records (lines; a quoted field may span lines) of `bytes` in `encoding`. */
export function dataLines(bytes, encoding) {
  const text = new TextDecoder(encoding).decode(bytes)
  return splitCsv(text).records.length
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

/** Save `blob` as the file `name` through the browser (an <a download> clicked). */
export function saveBlob(blob, name, doc = globalThis.document) {
  const url = URL.createObjectURL(blob)
  const a = doc.createElement('a')
  a.href = url
  a.download = name
  a.style.display = 'none'
  doc.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60000)
}
