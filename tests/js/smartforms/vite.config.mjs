// Builds smartforms/ into smartforms/dist/ once (scripts/setup-js); the tests only serve dist/.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One test page, not a web site: a large bundle is expected, its warning is noise.
    chunkSizeWarningLimit: 20_000,
    rollupOptions: {
      // MUI marks its modules "use client" for React Server Components; a plain bundle drops
      // the directive, as it should, and Rollup warns once per module.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') {
          warn(warning);
        }
      },
    },
  },
});
