// Both languages have the same keys, no empty texts, the placeholders match, and every key the
// sources use (t('...') in src/) exists — over the login page's messages and every page module
// merged. And the split holds: the login page and the shell find their keys in the first
// download's messages alone, and each page (route) in those and the modules its meta.messages in router.js names.
import { describe, expect, it } from 'vitest'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { initialLang, messages as core, MODULES } from '../../src/i18n/index.js'

const merge = (a, b) => {
  const out = { ...a }
  for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === 'object' && out[k] ? merge(out[k], v) : v
  return out
}
const modules = {}
for (const [name, load] of Object.entries(MODULES)) modules[name] = (await load()).default
const withModules = (names, lang) => names.reduce((m, n) => merge(m, modules[n][lang]), core[lang])
// everything: the login page's messages with every page module
const messages = { 'zh-CN': withModules(Object.keys(MODULES), 'zh-CN'), en: withModules(Object.keys(MODULES), 'en') }

function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object') flatten(v, key, out)
    else out[key] = v
  }
  return out
}
// the merged messages: zh-CN.js and en.js plus the pages' own modules (index.js)
const fz = flatten(messages['zh-CN'])
const fe = flatten(messages.en)
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
  it('of a page module never hide a key of the first download', () => {
    const base = Object.keys(flatten(core['zh-CN']))
    for (const [name, m] of Object.entries(modules))
      for (const lang of ['zh-CN', 'en']) {
        const own = flatten(m[lang])
        for (const k of base) expect(own[k], `${name} ${lang} ${k}`).toBeUndefined()
      }
  })
  it('load with each page: its sources find every key in the first download and its modules', () => {
    const src = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../src')
    const router = readFileSync(join(src, 'router.js'), 'utf8')
    // each route is one line: its name, its component and its meta.messages (the modules it loads)
    const pages = [...router.matchAll(/name: '([\w-]+)', component: (?:\(\) => import\('\.\/([\w/]+\.vue)'\)|(\w+))(.*)/g)].map((m) => ({
      name: m[1],
      file: m[2] || `views/${m[3]}.vue`,
      modules: [...(m[4].match(/messages: \[([^\]]*)\]/)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((x) => x[1]),
    }))
    for (const p of pages) for (const n of p.modules) expect(MODULES[n], `${p.name}: module ${n}`).toBeTypeOf('function')
    expect(pages.filter((p) => p.modules.length).length).toBeGreaterThan(20)
    expect(pages.length).toBeGreaterThan(20)
    // the shell and the App are on every page, with the first download's messages only
    pages.push({ name: '(shell)', file: 'views/ShellView.vue', modules: [] }, { name: '(app)', file: 'App.vue', modules: [] })
    const all = flatten(messages['zh-CN'])
    for (const page of pages) {
      const have = { 'zh-CN': flatten(withModules(page.modules, 'zh-CN')), en: flatten(withModules(page.modules, 'en')) }
      const seen = new Set()
      const visit = (f) => {
        if (seen.has(f) || f.includes('/i18n/')) return
        seen.add(f)
        const text = readFileSync(f, 'utf8')
        const used = [...text.matchAll(/\bt\(\s*'([\w.]+)'/g)].map((m) => m[1])
        // keys named as data in a page's template or script (labels passed to t() later)
        if (f.endsWith('.vue')) used.push(...[...text.matchAll(/'([A-Za-z]\w*\.[\w.]+)'/g)].map((m) => m[1]).filter((k) => all[k] !== undefined))
        for (const k of used)
          for (const lang of ['zh-CN', 'en']) expect(have[lang][k], `${page.name} (${f.slice(src.length + 1)}): ${lang} ${k}`).toBeTypeOf('string')
        for (const m of text.matchAll(/\bt\(`([\w.]+)\.\$\{/g))
          expect(Object.keys(have['zh-CN']).some((x) => x.startsWith(`${m[1]}.`)), `${page.name}: ${m[1]}.*`).toBe(true)
        for (const m of text.matchAll(/from '(\.{1,2}\/[\w/.]+\.(?:vue|js))'/g)) visit(resolve(dirname(f), m[1]))
      }
      visit(join(src, page.file))
    }
  })
  it('default to Chinese unless English was chosen', () => {
    expect(initialLang(null, 'en-US')).toBe('zh-CN')
    expect(initialLang('en')).toBe('en')
    expect(initialLang('fr')).toBe('zh-CN')
  })
})
