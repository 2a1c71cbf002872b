// The API's errors ({"error":{"code","message","field"}}) in the current language: known
// messages map to translated texts (with their figures); a bilingual message "english / 中文"
// shows its half; anything else the generic text for its code, with the server's detail.

const KNOWN = [
  [/^invalid user name or password$/, 'errors.badLogin'],
  [/^too many failed logins: try again in (\d+) s/, 'errors.lockedOut', (m) => ({ s: m[1] })],
  [/current password is wrong/, 'errors.oldPasswordWrong'],
  [/password is too short: at least (\d+) characters/, 'errors.pwTooShort', (m) => ({ n: m[1] })],
  [/password needs at least one letter and one digit/, 'errors.pwLetterDigit'],
  [/password must not contain the user name/, 'errors.pwHasUser'],
  [/new password must differ from the current one/, 'errors.pwSame'],
  [/log in again/, 'errors.sessionExpired'],
  [/^account (\d+) is an important customer .*needs a second approver/, 'appl.disc.needSecond', (m) => ({ account: m[1] })],
]

/** The text to show for `err` (an ApiError, a network failure or anything thrown). */
export function errorText(err, t, lang) {
  if (!err) return t('errors.unknown')
  if (err.network) return t('errors.network')
  const msg = typeof err.message === 'string' ? err.message : ''
  for (const [re, key, params] of KNOWN) {
    const m = re.exec(msg)
    if (m) return t(key, params ? params(m) : {})
  }
  const bilingual = /^(.*?) \/ (.*[\u4e00-\u9fff].*)$/.exec(msg)
  if (bilingual) return lang === 'en' ? bilingual[1] : bilingual[2]
  const generic = err.code ? t(`errors.code.${err.code}`) : t('errors.unknown')
  if (generic === `errors.code.${err.code}`) return msg || t('errors.unknown')
  return msg && lang !== 'en' ? `${generic}：${msg}` : msg || generic
}
