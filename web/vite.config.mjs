// Builds the page (web/) into the Python package (fhir_werk/web/static/), so `fhir-werk serve`
// needs no Node and no CDN at run time. Built by scripts/build-web; tests/web/test_bundle.py
// rebuilds it and fails when the committed bundle is not current.
//
// The npm packages come from tests/js/node_modules (one install, one lockfile: the Smart Forms
// renderer the page ships is the very version the renderer cross-checks test). Node resolves a
// bare import from the importing file's folder upwards, which never reaches tests/js, so the
// page's own bare imports are resolved as if they were made from tests/js.
import path from 'node:path';

const here = import.meta.dirname;
const jsTools = path.resolve(here, '..', 'tests', 'js');
const isBare = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0') && !id.includes(':');

const depsFromTestsJs = {
  name: 'deps-from-tests-js',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!isBare(source) || !importer || importer.includes('node_modules')) {
      return null;
    }
    return this.resolve(source, path.join(jsTools, 'package.json'), { ...options, skipSelf: true });
  },
};

// The renderer changes typed text before it stores it (web/src/typed.js says why that is wrong);
// its own module is swapped for one that keeps the text as typed.
const sanitizer = /[\\/]smart-forms-renderer[\\/]lib[\\/]utils[\\/]inputSanitization\.js$/;
const typedAsTyped = {
  name: 'typed-as-typed',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (!importer || !source.endsWith('inputSanitization')) {
      return null;
    }
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved && sanitizer.test(resolved.id) ? path.join(here, 'src', 'typed.js') : null;
  },
};

// A plain object, not defineConfig(): this file lives outside tests/js, where `vite` cannot be imported.
export default {
  root: here,
  base: './',
  logLevel: 'warn',
  plugins: [depsFromTestsJs, typedAsTyped],
  build: {
    outDir: process.env.FHIR_WERK_WEB_OUT || path.resolve(here, '..', 'fhir_werk', 'web', 'static'),
    emptyOutDir: true,
    // Stable file names: the bundle is committed, and a rebuild of the same sources must give the
    // same files (the bundle test compares them byte for byte).
    assetsInlineLimit: 0,
    // React, MUI and the renderer are one large module by nature; split chunks would only add requests.
    chunkSizeWarningLimit: 20_000,
    rollupOptions: {
      output: {
        entryFileNames: 'assets/pagina.js',
        chunkFileNames: 'assets/[name].js',
        assetFileNames: 'assets/[name][extname]',
      },
      // MUI marks its modules "use client" for React Server Components; a plain bundle drops the
      // directive, as it should, and Rollup warns once per module.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') {
          warn(warning);
        }
      },
    },
  },
};
