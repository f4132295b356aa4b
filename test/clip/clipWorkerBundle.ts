// dist/clipWorker.js as scripts/build.mjs builds it, bundled once per test process into out/ (inside the checkout, so
// that the bundle's require('onnxruntime-node') and require('sharp') resolve from node_modules).
import { Worker } from 'node:worker_threads';
import type { ClipWorker } from '../../src/core/clip/clipWorkerClient';
import { workerBundle } from '../workerBundle';

export function clipWorkerJs(): Promise<string> {
  return workerBundle('clipWorker', ['sharp', 'onnxruntime-node']);
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
