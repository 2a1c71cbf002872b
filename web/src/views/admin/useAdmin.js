// Shared by the administration pages: success and error messages in the current language
// (the API's message, errors.js), a busy flag around one action at a time and a loading flag
// around a page's reads.
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ElMessage, ElMessageBox } from 'element-plus'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import { errorText } from '../../errors.js'

export function useAdmin() {
  const { t, locale } = useI18n()
  const busy = ref('')
  const fail = (e) => ElMessage.error({ message: errorText(e, t), customClass: 'adm-error' })
  const done = (msg) => ElMessage.success({ message: msg, customClass: 'adm-ok' })
  const warn = (msg) => ElMessage.warning({ message: msg, customClass: 'adm-error' })
  /** Run `fn` as action `name` (busy meanwhile); errors become a message. Returns fn's result
   *  or undefined after an error. */
  async function act(name, fn) {
    busy.value = name
    try {
      return await fn()
    } catch (e) {
      fail(e)
      return undefined
    } finally {
      busy.value = ''
    }
  }
  /** act() after the user confirms `question` (a warning box titled `title`); undefined when
   *  cancelled. */
  async function confirmAct(question, title, name, fn) {
    try {
      await ElMessageBox.confirm(question, title, { type: 'warning' })
    } catch {
      return undefined
    }
    return act(name, fn)
  }
  const loading = ref(false)
  /** Load with `fn` (loading meanwhile); an error becomes a message. */
  async function fetching(fn) {
    loading.value = true
    try {
      await fn()
    } catch (e) {
      fail(e)
    } finally {
      loading.value = false
    }
  }
  return { t, locale, busy, loading, fail, done, warn, act, confirmAct, fetching }
}
