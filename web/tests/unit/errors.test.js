import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { messages } from '../../src/i18n/index.js'
import { errorText } from '../../src/errors.js'
import { ApiError } from '../../src/api.js'

function tr(lang) {
  const i18n = createI18n({ legacy: false, locale: lang, messages })
  return i18n.global.t
}
const zh = tr('zh-CN')
const en = tr('en')

describe('errorText', () => {
  const bad = new ApiError(401, 'unauthenticated', 'invalid user name or password')
  it('translates a wrong password', () => {
    expect(errorText(bad, zh, 'zh-CN')).toBe('用户名或密码错误')
    expect(errorText(bad, en, 'en')).toBe('Wrong user name or password')
  })
  it('keeps the figures of a lockout and a password rule', () => {
    const lock = new ApiError(429, 'rate_limited', 'too many failed logins: try again in 30 s / 登录失败次数过多，请 30 秒后再试')
    expect(errorText(lock, zh, 'zh-CN')).toBe('登录失败次数过多，请 30 秒后再试')
    expect(errorText(lock, en, 'en')).toBe('Too many failed logins: try again in 30 s')
    const short = new ApiError(400, 'invalid', 'password is too short: at least 10 characters')
    expect(errorText(short, zh, 'zh-CN')).toBe('密码太短：至少 10 个字符')
  })
  it('shows the matching half of a bilingual message', () => {
    const e = new ApiError(403, 'forbidden', "permission 'customer:read' required / 无权限")
    expect(errorText(e, zh, 'zh-CN')).toBe('无权限')
    expect(errorText(e, en, 'en')).toBe("permission 'customer:read' required")
  })
  it('falls back to the code, with the detail', () => {
    const e = new ApiError(400, 'invalid', "query parameter 'limit' must be an integer from 1 to 1000")
    expect(errorText(e, zh, 'zh-CN')).toBe("输入有误：query parameter 'limit' must be an integer from 1 to 1000")
    expect(errorText(e, en, 'en')).toBe("query parameter 'limit' must be an integer from 1 to 1000")
  })
  it('names network failures', () => {
    const e = new ApiError(0, 'network', 'Failed to fetch')
    e.network = true
    expect(errorText(e, zh, 'zh-CN')).toBe('无法连接服务器，请检查网络后重试')
  })
})
