import { defineConfig } from 'vite'

// Served by nginx under /console/ on the API's origin (docs/console.md). The production build emits
// only external module scripts and a stylesheet: nothing inline, so the CSP needs no 'unsafe-inline'.
export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The modulepreload polyfill is an inline-free script, but modern Chromium/Firefox/Safari support
    // modulepreload natively: leave it out rather than ship code the CSP review has to read.
    modulePreload: { polyfill: false },
    // Nothing is inlined as a data: URL (the CSP's img-src/font-src do not allow data:).
    assetsInlineLimit: 0,
    rolldownOptions: {
      // TanStack Query marks its hooks "use client" (for React Server Components); meaningless in a
      // client-only bundle, and Rolldown warns once per file.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning)
      },
    },
  },
})
