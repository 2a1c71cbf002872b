// The administration menu group: its pages, in menu order, with the permission each needs
// (router.js gives the same one as meta.perm; the server checks every request again).
export const ADMIN_PAGES = [
  { name: 'admin-users', label: 'adm.users', perm: 'user:admin' },
  { name: 'admin-roles', label: 'adm.roles', perm: 'user:admin' },
  { name: 'admin-tokens', label: 'adm.tokens', perm: 'user:admin' },
  { name: 'admin-orgs', label: 'adm.orgs', perm: 'org:write' },
  { name: 'admin-tariffs', label: 'adm.tariffs', perm: 'tariff:write' },
  { name: 'admin-calendar', label: 'adm.calendar', perm: 'calendar:write' },
  { name: 'audit', label: 'adm.audit', perm: 'audit:read' },
]

/** The administration pages `user` may open (none: the menu group is hidden). */
export function adminPages(user) {
  const perms = user?.permissions || []
  return ADMIN_PAGES.filter((p) => perms.includes(p.perm))
}
