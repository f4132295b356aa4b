// A webview's browser bundle, built the same way by scripts/build.mjs and by the browser tests (test/webviewPage.ts),
// so the tests load what ships.
'use strict';
const { join } = require('node:path');
const { build } = require('esbuild');

/**
 * Bundles `entry` into `outfile` (and the CSS it imports next to it) for the browser, with the webview's own tsconfig
 * (the DOM libraries). A warning fails the build: esbuild only warns of an unbalanced brace in a stylesheet, and the
 * rules after it would silently not apply.
 */
async function webviewBundle(entry, outfile) {
  const result = await build({
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: [entry],
    outfile,
    tsconfig: join(__dirname, '..', 'webview', 'tsconfig.json'),
  });
  if (result.warnings.length > 0) throw new Error(`${entry}: ${result.warnings.length} warning(s) in the webview bundle (above)`);
}

module.exports = { webviewBundle };
