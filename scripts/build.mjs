// Bundles the extension host code, the CLI and the dashboard webview with esbuild.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { webviewBundle } from './webviewBundle.cjs';

const onlyCli = process.argv.includes('--only-cli');
const common = { bundle: true, mainFields: ['module', 'main'], sourcemap: true, logLevel: 'warning', target: 'node20', platform: 'node', format: 'cjs' };
// Native and heavyweight packages stay outside the bundle and ship in node_modules.
const external = ['vscode', 'sharp', 'onnxruntime-node'];

await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', external, banner: { js: '#!/usr/bin/env node' } });
chmodSync('dist/cli.js', 0o755);
// The detached run wrapper (parent of every training process); plain Node, no externals needed.
await build({ ...common, entryPoints: ['src/wrapper.ts'], outfile: 'dist/wrapper.js' });
if (!onlyCli) {
  await build({ ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external });
  // The worker thread the extension validates configs in (off the extension host's event loop).
  await build({ ...common, entryPoints: ['src/validateWorker.ts'], outfile: 'dist/validateWorker.js' });
  // The worker thread the extension computes CLIP scores in (ONNX Runtime and sharp stay external: native).
  await build({ ...common, entryPoints: ['src/clipWorker.ts'], outfile: 'dist/clipWorker.js', external });
  await webviewBundle('webview/src/main.ts', 'dist/webview/dashboard.js');
  // The Preview Dataset webview: its own page, protocol and bundle (+ datasetPreview.css).
  await webviewBundle('webview/src/datasetPreview/main.ts', 'dist/webview/datasetPreview.js');
  // The Compare Samples webview (+ compare.css).
  await webviewBundle('webview/src/compare/main.ts', 'dist/webview/compare.js');
}
