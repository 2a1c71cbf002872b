// vue-i18n set-up: zh-CN by default, English as the second language; the choice is kept in
// localStorage ('pmis.lang') and mirrored in <html lang>. Element Plus gets its own locale
// through <el-config-provider> in App.vue (elementLocale below).
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN.js'
import en from './en.js'
import apply from './apply.js'
import admin from './admin.js'
import service from './service.js'

export const LANGS = ['zh-CN', 'en']
export const messages = {
  'zh-CN': { ...zhCN, ...apply['zh-CN'], ...admin['zh-CN'], ...service['zh-CN'] },
  en: { ...en, ...apply.en, ...admin.en, ...service.en },
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
