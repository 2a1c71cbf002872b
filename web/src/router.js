// Routes (history mode: `pmis serve` answers index.html for unknown non-API paths). The
// login page is the only one in the first download; the shell and its pages load on demand.
// A route that needs a session sends a visitor without one to /login?redirect=..., and a user
// who must change the one-time password to the change step of the login page. A page whose
// meta.perm the user lacks shows the forbidden page instead (the API refuses it anyway).
// meta.nav names the menu item a page is shown under when it is not one itself (a customer
// under customers), meta.sub the same in the administration group's own menu. meta.messages
// lists the text modules (i18n/index.js MODULES) the page and its components need beyond the
// first download's; they load before the page renders (tests/unit/i18n.test.js checks them).
import { createRouter, createWebHistory } from 'vue-router'
import LoginView from './views/LoginView.vue'
import { session, loadMe, forget } from './session.js'
import { setUnauthenticatedHandler } from './api.js'
import { allowed } from './perms.js'
import { loadPageMessages } from './i18n/index.js'

export const routes = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  {
    path: '/',
    component: () => import('./views/ShellView.vue'),
    children: [
      { path: '', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { messages: ['desk', 'apply', 'service'] } },
      { path: 'customers', name: 'customers', component: () => import('./views/CustomersView.vue'), meta: { perm: 'customer:read', messages: ['desk'] } },
      { path: 'customers/:no', name: 'customer', component: () => import('./views/CustomerView.vue'), meta: { perm: 'customer:read', nav: 'customers', messages: ['desk', 'service', 'apply'] } },
      { path: 'archive', name: 'archive', component: () => import('./views/ArchiveView.vue'), meta: { perm: 'customer:read', messages: ['desk'] } },
      { path: 'billing', name: 'billing', component: () => import('./views/BillingView.vue'), meta: { perm: 'bill:read', messages: ['desk', 'admin'] } },
      { path: 'cash', name: 'cash', component: () => import('./views/CashDeskView.vue'), meta: { perm: 'payment:read', messages: ['desk'] } },
      { path: 'collections', name: 'collections', component: () => import('./views/CollectionsView.vue'), meta: { perm: 'collection:read', messages: ['desk', 'apply'] } },
      { path: 'applications', name: 'applications', component: () => import('./views/ApplicationsView.vue'), meta: { perm: 'application:read', messages: ['apply'] } },
      { path: 'applications/:id', name: 'application', component: () => import('./views/ApplicationView.vue'), meta: { perm: 'application:read', nav: 'applications', messages: ['apply'] } },
      { path: 'satisfaction', name: 'satisfaction', component: () => import('./views/SatisfactionView.vue'), meta: { perm: 'survey:read', messages: ['apply'] } },
      { path: 'service', name: 'service', component: () => import('./views/ServiceView.vue'), meta: { perm: 'ticket:read', messages: ['service'] } },
      { path: 'service/new', name: 'service-new', component: () => import('./views/TicketIntake.vue'), meta: { perm: 'ticket:write', nav: 'service', messages: ['service'] } },
      { path: 'service/:id(\\d+)', name: 'ticket', component: () => import('./views/TicketView.vue'), meta: { perm: 'ticket:read', nav: 'service', messages: ['service'] } },
      { path: 'crew', name: 'crew', component: () => import('./views/CrewView.vue'), meta: { perm: 'crew:work', messages: ['service'] } },
      { path: 'admin/audit', name: 'audit', component: () => import('./views/AuditView.vue'), meta: { perm: 'audit:read', messages: ['desk'] } },
      { path: 'admin', name: 'admin', component: () => import('./views/admin/AdminHome.vue') },
      { path: 'admin/users', name: 'admin-users', component: () => import('./views/admin/UsersView.vue'), meta: { perm: 'user:admin', nav: 'admin', messages: ['admin'] } },
      { path: 'admin/roles', name: 'admin-roles', component: () => import('./views/admin/RolesView.vue'), meta: { perm: 'user:admin', nav: 'admin', messages: ['admin'] } },
      { path: 'admin/tokens', name: 'admin-tokens', component: () => import('./views/admin/TokensView.vue'), meta: { perm: 'user:admin', nav: 'admin', messages: ['admin'] } },
      { path: 'admin/orgs', name: 'admin-orgs', component: () => import('./views/admin/OrgsView.vue'), meta: { perm: 'org:write', nav: 'admin', messages: ['admin'] } },
      { path: 'admin/tariffs', name: 'admin-tariffs', component: () => import('./views/admin/TariffsView.vue'), meta: { perm: 'tariff:write', nav: 'admin', messages: ['admin'] } },
      { path: 'admin/tariffs/:code', name: 'admin-tariff', component: () => import('./views/admin/TariffsView.vue'), meta: { perm: 'tariff:write', nav: 'admin', sub: 'admin-tariffs', messages: ['admin'] } },
      { path: 'admin/calendar', name: 'admin-calendar', component: () => import('./views/admin/CalendarView.vue'), meta: { perm: 'calendar:write', nav: 'admin', messages: ['admin'] } },
      { path: 'forbidden', name: 'forbidden', component: () => import('./views/ForbiddenView.vue') },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  let user = null
  try {
    user = await loadMe()
  } catch {
    user = null
  }
  if (to.meta.public) return true
  if (!user || user.must_change_password)
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  return allowed(to, user) ? true : { name: 'forbidden', query: { perm: to.meta.perm } }
})

// the page's own texts (i18n/index.js) before it renders; a failed load shows the keys
router.beforeResolve(async (to) => {
  await loadPageMessages(to.meta.messages).catch(() => {})
  return true
})

setUnauthenticatedHandler(() => {
  forget()
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
})

export { session }
