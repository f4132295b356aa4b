// A worker thread's entry bundled as scripts/build.mjs bundles it (dist/validateWorker.js, dist/clipWorker.js), once
// per test process and entry, into out/ inside the checkout so that the bundle's require() of a native external
// (sharp, onnxruntime-node) resolves from node_modules.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './unit/repoRoot';

const bundles = new Map<string, Promise<string>>();

/** The bundled `src/<name>.ts` (e.g. `validateWorker`), its path. */
export function workerBundle(name: string, external: string[] = []): Promise<string> {
  let out = bundles.get(name);
  if (!out) {
    out = (async () => {
      const dir = join(repoRoot(), 'out', `${name}-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.js`);
      await build({
        entryPoints: [join(repoRoot(), 'src', `${name}.ts`)],
        outfile: file,
        bundle: true,
        mainFields: ['module', 'main'],
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        logLevel: 'warning',
        external,
      });
      return file;
    })();
    bundles.set(name, out);
  }
  return out;
}
