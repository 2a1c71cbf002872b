// vue-i18n set-up: zh-CN by default, English as the second language; the choice is kept in
// localStorage ('pmis.lang') and mirrored in <html lang>. Element Plus gets its own locale
// through <el-config-provider> in App.vue (elementLocale below).
// The first download holds only the login page's and the shell's texts (zh-CN.js, en.js); each
// page's own texts are a module of their own (MODULES, a chunk each), merged into both
// languages before the page's route resolves (loadPageMessages; each route's meta.messages in
// router.js names the modules its page and components need).
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN.js'
import en from './en.js'

export const LANGS = ['zh-CN', 'en']
export const messages = { 'zh-CN': zhCN, en }

/** The pages' text modules, each exporting { 'zh-CN': {...}, en: {...} }. */
export const MODULES = {
  desk: () => import('./desk.js'),
  apply: () => import('./apply.js'),
  admin: () => import('./admin.js'),
  service: () => import('./service.js'),
}
export function initialLang(stored, navigatorLang) {
  if (LANGS.includes(stored)) return stored
  void navigatorLang // the users are mainland staff: Chinese unless they chose English
  return 'zh-CN'
}

function storedLang() {
  try {
    return globalThis.localStorage?.getItem('pmis.lang')
  } catch {
    return null
  }
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLang(storedLang()),
  fallbackLocale: 'zh-CN',
  messages,
})

export function setLang(lang) {
  if (!LANGS.includes(lang)) return
  i18n.global.locale.value = lang
  try {
    globalThis.localStorage?.setItem('pmis.lang', lang)
  } catch {
    /* private mode: the choice lasts for this page */
  }
  if (globalThis.document) document.documentElement.lang = lang
}

const loaded = {}
/** Merge text module `name` into both languages, once (a failed load is tried again later). */
export function loadMessages(name) {
  if (!loaded[name]) {
    loaded[name] = MODULES[name]()
      .then((m) => {
        for (const lang of LANGS) i18n.global.mergeLocaleMessage(lang, m.default[lang])
      })
      .catch((e) => {
        delete loaded[name]
        throw e
      })
  }
  return loaded[name]
}

/** The text modules `names` (a route's meta.messages, router.js), merged; none when absent. */
export function loadPageMessages(names) {
  return Promise.all((names || []).map(loadMessages))
}
