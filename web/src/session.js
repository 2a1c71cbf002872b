// Who is logged in: /api/v1/auth/me once per page load, then the login, password change and
// logout replies. The CSRF token lives only in memory (the cookie is HttpOnly).
import { reactive } from 'vue'
import { api, setCsrfToken } from './api.js'

export const session = reactive({ user: null, loaded: false })

function take(user) {
  session.user = user
  session.loaded = true
  setCsrfToken(user?.csrf_token)
  return user
}

export async function loadMe() {
  if (session.loaded) return session.user
  try {
    return take(await api('GET', '/auth/me'))
  } catch (e) {
    if (e.status === 401) return take(null)
    throw e
  }
}

export async function login(username, password) {
  return take(await api('POST', '/auth/login', { body: { username, password } }))
}

export async function changePassword(oldPassword, newPassword) {
  await api('POST', '/auth/password', { body: { old_password: oldPassword, new_password: newPassword } })
  session.loaded = false
  return loadMe()
}

export async function logout() {
  try {
    await api('POST', '/auth/logout')
  } finally {
    take(null)
  }
}

export function forget() {
  take(null)
}
