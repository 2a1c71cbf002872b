// The API's errors ({"error":{"code","message","message_en","field"}}) in the current language:
// api.js sends the UI's language as Accept-Language, so the server's message is already in it
// and is shown as it is. Two texts get the UI's own wording (matched on the English text,
// message_en or message); network failures and empty messages get the text of their code.

const KNOWN = [
  [/log in again/, 'errors.sessionExpired'],
  [/^account (\d+) is an important customer .*needs a second approver/, 'appl.disc.needSecond', (m) => ({ account: m[1] })],
]

/** The text to show for `err` (an ApiError, a network failure or anything thrown). */
export function errorText(err, t) {
  if (!err) return t('errors.unknown')
  if (err.network) return t('errors.network')
  const msg = typeof err.message === 'string' ? err.message : ''
  const english = typeof err.messageEn === 'string' && err.messageEn ? err.messageEn : msg
  for (const [re, key, params] of KNOWN) {
    const m = re.exec(english)
    if (m) return t(key, params ? params(m) : {})
  }
  if (msg) return msg
  const generic = err.code ? t(`errors.code.${err.code}`) : t('errors.unknown')
  return generic === `errors.code.${err.code}` ? t('errors.unknown') : generic
}
