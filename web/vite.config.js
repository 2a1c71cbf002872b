// Vite build of the pmis web UI: `make web` (tools/web.sh) writes it to build/web, which
// `pmis serve` serves at / (hashed files under /assets/ cached for a year). Element Plus
// components are imported on demand (unplugin-vue-components resolves <el-*> tags and their
// CSS); every page but the login page is a lazily loaded chunk. `npm run dev` proxies the API
// to a `pmis serve` on 127.0.0.1:8080.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

export default defineConfig({
  plugins: [
    vue(),
    Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false }),
  ],
  define: {
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir: process.env.PMIS_WEB_OUT || '../build/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    // hashed names only under /assets/: the server caches exactly those for a year
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: {
    include: ['tests/unit/**/*.test.js'],
    environment: 'node',
  },
})
