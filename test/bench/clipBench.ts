// CLIP scoring, each figure against a baseline in the same process (ratios, never asserted):
// - images/s through the worker client the editor uses (the bundled src/clipWorker.ts) vs the in-process scorer;
// - the host's event-loop delay while scoring (perf_hooks monitorEventLoopDelay, p99 and max): scoring in the worker
//   vs scoring in-process on the main thread (the bad baseline) vs idle (the noise floor).
// The model is the tests' CLIP-shaped one at 224 px with wider layers (~30 MFLOP per image; the real ViT-B/32 is
// ~4.4 GFLOP, so real images/s are far lower and the in-process stalls far longer: the ratios are what carry over).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { ClipWorkerClient } from '../../src/core/clip/clipWorkerClient';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { writeNoiseImages } from '../clip/clipTestImages';
import { clipWorkerSpawn } from '../clip/clipWorkerBundle';
import { writeTinyClip } from '../clip/tinyClip';
import type { BenchRow } from './dashboardBench';

interface Measured {
  ms: number;
  p99: number;
  max: number;
}

/** Runs `work` with the event-loop delay histogram on; delays in ms. */
async function withLoopDelay(work: () => Promise<unknown>): Promise<Measured> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  h.disable();
  return { ms, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

export async function runClipBench(log: (line: string) => void = console.log): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-clip-bench-'));
  const rows: BenchRow[] = [];
  const model = writeTinyClip(join(dir, 'model'), { size: 224, pool: 4, hidden: 1536, dim: 256 });
  const files = await findClipModelFiles(model.dir);
  const images = await writeNoiseImages(join(dir, 'images'), 16);
  const many = Array.from({ length: 96 }, (_, i) => images[i % images.length]!);
  const inProcess = createClipScorer({ files });
  const worker = new ClipWorkerClient({ files, spawn: await clipWorkerSpawn() });
  const run = (s: ImageTextScorer) => () => s.score(many, 'a photo of the cat');
  try {
    // Warm-up: sessions loaded, code paths compiled, in both.
    await inProcess.score(images.slice(0, 2), 'warm up');
    await worker.score(images.slice(0, 2), 'warm up');
    const main = await withLoopDelay(run(inProcess));
    const off = await withLoopDelay(run(worker));
    const idle = await withLoopDelay(() => new Promise((r) => setTimeout(r, Math.max(200, off.ms))));
    const ips = (m: Measured): number => (many.length / m.ms) * 1000;
    rows.push({ name: 'baseline: images/s, in-process scorer', medianMs: main.ms, ratio: 1 });
    rows.push({ name: `images/s through the worker (${ips(off).toFixed(0)}/s vs ${ips(main).toFixed(0)}/s)`, medianMs: off.ms, ratio: ips(off) / ips(main) });
    rows.push({ name: 'baseline: event-loop delay p99, scoring on the main thread', medianMs: main.p99, ratio: 1 });
    rows.push({ name: 'event-loop delay p99, scoring in the worker', medianMs: off.p99, ratio: off.p99 / main.p99 });
    rows.push({ name: 'event-loop delay p99, idle (the noise floor)', medianMs: idle.p99, ratio: idle.p99 / main.p99 });
    rows.push({ name: 'baseline: event-loop delay max, scoring on the main thread', medianMs: main.max, ratio: 1 });
    rows.push({ name: 'event-loop delay max, scoring in the worker', medianMs: off.max, ratio: off.max / main.max });
    rows.push({ name: 'event-loop delay max, idle (the noise floor)', medianMs: idle.max, ratio: idle.max / main.max });
  } finally {
    await Promise.all([inProcess.dispose(), worker.dispose()]);
    rmSync(dir, { recursive: true, force: true });
  }
  for (const r of rows) log(`${r.name.padEnd(66)} ${r.medianMs.toFixed(2).padStart(10)} ms  ×${r.ratio.toFixed(2)}`);
  return rows;
}
