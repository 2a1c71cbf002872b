// Validates the served OpenAPI description with an independent validator,
// @apidevtools/swagger-parser (OpenAPI 3.0 schema + structural checks). Prints TAP.
// Environment: PMIS_WEB_BASE.
import SwaggerParser from '@apidevtools/swagger-parser'

const url = `${process.env.PMIS_WEB_BASE}/api/v1/openapi.json`
let n = 0
let failed = 0
const ok = (m) => console.log(`ok ${++n} - ${m}`)
const notOk = (m, e) => {
  failed++
  console.log(`not ok ${++n} - ${m}`)
  for (const l of String(e?.message || e).split('\n').slice(0, 20)) console.log(`#   ${l}`)
}

let doc
try {
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`status ${res.status}`)
  doc = await res.json()
  ok('/api/v1/openapi.json is served as JSON')
} catch (e) {
  notOk('/api/v1/openapi.json is served as JSON', e)
}
if (doc) {
  try {
    const api = await SwaggerParser.validate(structuredClone(doc))
    ok(`valid OpenAPI ${api.openapi} (swagger-parser): ${Object.keys(api.paths).length} paths`)
  } catch (e) {
    notOk('valid according to swagger-parser', e)
  }
  try {
    const ids = []
    for (const item of Object.values(doc.paths)) for (const op of Object.values(item)) ids.push(op.operationId)
    const dup = ids.filter((x, i) => ids.indexOf(x) !== i)
    if (dup.length) throw new Error(`duplicate operationId: ${dup.join(', ')}`)
    ok('operationIds are unique')
  } catch (e) {
    notOk('operationIds are unique', e)
  }
  // every JSON request body is described: its members, their types and which are required
  // (additionalProperties false where the handler refuses unknown members), never a bare object
  const resolve = (sc) => (sc?.$ref ? resolve(doc.components.schemas[sc.$ref.split('/').pop()]) : sc)
  const bare = []
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const sc = resolve(op.requestBody?.content?.['application/json']?.schema)
      if (op.requestBody?.content?.['application/json'] && !sc?.properties)
        bare.push(`${method.toUpperCase()} ${path} (${op.operationId})`)
    }
  if (bare.length) notOk('every JSON request body has a schema with properties', bare.join('\n'))
  else ok('every JSON request body has a schema with properties')
  // every parameter is described: a schema with a type and a description (query ones; path
  // parameters are generated from the pattern); the names each handler reads are checked in t0510
  const vague = []
  let nquery = 0
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      for (const p of op.parameters || []) {
        if (p.in === 'query') nquery++
        if (!p.schema?.type || (p.in === 'query' && !p.description))
          vague.push(`${method.toUpperCase()} ${path} ${p.in} ${p.name}`)
      }
  if (vague.length || !nquery) notOk(`every parameter has a typed schema, query ones a description (${nquery})`, vague.join('\n'))
  else ok(`every parameter has a typed schema, query ones a description (${nquery} query parameters)`)
}
process.exit(failed ? 1 : 0)
