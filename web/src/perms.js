// Which pages a user may open: a route's meta.perm names the permission it needs (the server
// checks every request again; this only keeps the menu and the pages honest).

/** Whether `user` may open route `to` (its meta.perm, if any). */
export function allowed(to, user) {
  return !to.meta?.perm || Boolean(user?.permissions?.includes(to.meta.perm))
}
