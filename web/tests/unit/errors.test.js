import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { messages } from '../../src/i18n/index.js'
import { errorText } from '../../src/errors.js'
import { ApiError } from '../../src/api.js'
import apply from '../../src/i18n/apply.js'

// as on the collections page, where the second-approver message shows: its module merged
function tr(lang) {
  const i18n = createI18n({ legacy: false, locale: lang, messages })
  i18n.global.mergeLocaleMessage(lang, apply[lang])
  return i18n.global.t
}
const zh = tr('zh-CN')
const en = tr('en')

describe('errorText', () => {
  it("shows the server's message as it is: it answers in the UI's language", () => {
    const cn = new ApiError(401, 'unauthenticated', '用户名或密码错误', undefined, 'invalid user name or password')
    expect(errorText(cn, zh)).toBe('用户名或密码错误')
    const e = new ApiError(401, 'unauthenticated', 'invalid user name or password')
    expect(errorText(e, en)).toBe('invalid user name or password')
    const lock = new ApiError(429, 'rate_limited', '登录失败次数过多：请 30 秒后再试', undefined,
      'too many failed logins: try again in 30 s')
    expect(errorText(lock, zh)).toBe('登录失败次数过多：请 30 秒后再试')
    const q = new ApiError(400, 'invalid', "query parameter 'limit' must be an integer from 1 to 1000")
    expect(errorText(q, en)).toBe("query parameter 'limit' must be an integer from 1 to 1000")
  })
  it('gives two texts its own wording, matched on the English text', () => {
    const second = new ApiError(400, 'invalid', '账户 3300000001 是重要客户：停电需要第二审批人（--second-approver）',
      'second_approver', 'account 3300000001 is an important customer (重要客户): its disconnection needs a second approver (--second-approver)')
    expect(errorText(second, zh)).toBe('3300000001 是重要客户：停电还须第二授权人批准')
    expect(errorText({ message: 'log in again' }, zh)).toBe('会话已失效，请重新登录')
  })
  it('falls back to the text of the code when there is no message', () => {
    expect(errorText(new ApiError(403, 'forbidden', ''), zh)).toBe(zh('errors.code.forbidden'))
    expect(errorText(new ApiError(500, '', ''), zh)).toBe(zh('errors.unknown'))
    expect(errorText(null, en)).toBe(en('errors.unknown'))
  })
  it('names network failures', () => {
    const e = new ApiError(0, 'network', 'Failed to fetch')
    e.network = true
    expect(errorText(e, zh)).toBe('无法连接服务器，请检查网络后重试')
  })
})
