// Entry point: Vue app, router, i18n. Element Plus components come on demand (vite.config.js);
// the message service is imported where used, with its CSS.
import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router.js'
import { i18n } from './i18n/index.js'
import './style.css'

document.documentElement.lang = i18n.global.locale.value
createApp(App).use(i18n).use(router).mount('#app')
