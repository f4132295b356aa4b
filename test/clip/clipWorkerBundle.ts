// dist/clipWorker.js as scripts/build.mjs builds it, bundled once per test process into out/ (inside the checkout, so
// that the bundle's require('onnxruntime-node') and require('sharp') resolve from node_modules).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import type { ClipWorker } from '../../src/core/clip/clipWorkerClient';
import { repoRoot } from '../unit/repoRoot';

let bundled: Promise<string> | undefined;

export function clipWorkerJs(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(repoRoot(), 'out', `clip-worker-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const out = join(dir, 'clipWorker.js');
    await build({
      entryPoints: [join(repoRoot(), 'src', 'clipWorker.ts')],
      outfile: out,
      bundle: true,
      mainFields: ['module', 'main'],
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      external: ['sharp', 'onnxruntime-node'],
    });
    return out;
  })();
  return bundled;
}

/** A spawn function for ClipWorkerClient that also hands each started worker to `seen`. */
export async function clipWorkerSpawn(seen?: (w: Worker) => void): Promise<() => ClipWorker> {
  const file = await clipWorkerJs();
  return () => {
    const w = new Worker(file);
    seen?.(w);
    return w;
  };
}
