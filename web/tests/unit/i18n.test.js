// Both languages have the same keys, no empty texts, the placeholders match, and every key the
// sources use (t('...') in src/) exists.
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { initialLang, messages } from '../../src/i18n/index.js'

// the merged messages: zh-CN.js / en.js and every page module (service.js, ...)
const zh = messages['zh-CN']
const en = messages.en

function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') flatten(v, key, out)
    else out[key] = v
  }
  return out
}
const fz = flatten(zh)
const fe = flatten(en)
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

function sources(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? sources(p) : /\.(vue|js)$/.test(f) ? [p] : []
  })
}

describe('i18n messages', () => {
  it('have the same keys in zh-CN and en', () => {
    expect(Object.keys(fe).sort()).toEqual(Object.keys(fz).sort())
  })
  it('have no empty texts', () => {
    for (const [k, v] of Object.entries({ ...fz, ...fe })) expect(String(v).trim(), k).not.toBe('')
  })
  it('have the same placeholders in both languages', () => {
    for (const k of Object.keys(fz)) expect(placeholders(fe[k]), k).toEqual(placeholders(fz[k]))
  })
  it('avoid characters vue-i18n would parse as syntax', () => {
    for (const [k, v] of Object.entries({ ...fz, ...fe })) expect(String(v), k).not.toMatch(/[@|]/)
  })
  it('contain every key the sources use', () => {
    const used = new Set()
    const src = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../src')
    for (const f of sources(src)) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(m[1])
      // keys built from a code list: t(`userType.${v}`) -> every code of the list must exist
      for (const m of text.matchAll(/\bt\(`([\w.]+)\.\$\{/g)) used.add(`${m[1]}.*`)
    }
    expect(used.size).toBeGreaterThan(20)
    for (const k of used) {
      if (k.endsWith('.*')) {
        const prefix = k.slice(0, -1)
        expect(Object.keys(fz).some((x) => x.startsWith(prefix)), k).toBe(true)
      } else {
        expect(fz[k], `zh-CN ${k}`).toBeTypeOf('string')
        expect(fe[k], `en ${k}`).toBeTypeOf('string')
      }
    }
  })
  it('default to Chinese unless English was chosen', () => {
    expect(initialLang(null, 'en-US')).toBe('zh-CN')
    expect(initialLang('en')).toBe('en')
    expect(initialLang('fr')).toBe('zh-CN')
  })
})
