// Config validation at the sizes the audit used, each against a baseline in the same process (ratios, never asserted):
// - validateConfig on 40,000 unknown keys (~0.6 MB) and on a 3.5 MB config vs JSON.parse of the same text;
// - 2n keys vs n keys, in CPU time (a linear check doubles);
// - how long the event loop stalls while a 3.5 MB config is checked: in the worker the extension uses (the bundled
//   src/validateWorker.ts) vs on the main thread.
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { workerBundle } from '../workerBundle';
import { validateConfig } from '../../src/core/diagnostics';
import { ValidationService } from '../../src/core/diagnostics/validationService';
import { time as timeRuns, type BenchRow } from './dashboardBench';

const time = (fn: () => unknown, runs = 3): number => timeRuns(fn, runs);

/** `n` unknown keys in args, one per line, each with a value of `valueChars` characters. */
function unknownKeys(n: number, valueChars = 0): string {
  const lines = [
    '{',
    '  "script": "lora",',
    '  "args": {',
    '    "pretrained_model_name_or_path": "stabilityai/stable-diffusion-xl-base-1.0",',
    '    "train_data_dir": "data",',
  ];
  const pad = 'v'.repeat(valueChars);
  for (let i = 0; i < n; i++) lines.push(valueChars ? `    "opt_${i}": "${pad}",` : `    "o${i}": ${i},`);
  lines.push('    "seed": 1', '  }', '}');
  return lines.join('\n');
}

async function workerService(): Promise<ValidationService> {
  const out = await workerBundle('validateWorker');
  return new ValidationService(() => new Worker(out));
}

/** The longest gap between ticks of a 5 ms timer while `work` runs, in ms: how long the event loop stalled. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
  await settle();
  await work();
  await settle();
  clearInterval(tick);
  return longest;
}

export async function runValidationBench(log: (line: string) => void = console.log): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const keys40k = unknownKeys(40_000);
  const big = unknownKeys(100_000, 14);
  for (const [label, text] of [
    ['40,000 unknown keys', keys40k],
    ['3.5 MB config', big],
  ] as const) {
    const mb = (text.length / 1048576).toFixed(2);
    const parseMs = time(() => JSON.parse(text));
    const validateMs = time(() => validateConfig(text));
    rows.push({ name: `baseline: JSON.parse, ${label} (${mb} MB)`, medianMs: parseMs, ratio: 1 });
    rows.push({ name: `validateConfig, ${label}`, medianMs: validateMs, ratio: validateMs / parseMs });
  }
  // CPU time, best of 5, interleaved: steadier than the wall clock on a shared machine.
  const half = unknownKeys(20_000);
  const cpu = [Infinity, Infinity];
  for (let i = 0; i < 5; i++) {
    [half, keys40k].forEach((text, k) => {
      const c0 = process.cpuUsage();
      validateConfig(text);
      const c = process.cpuUsage(c0);
      cpu[k] = Math.min(cpu[k]!, (c.user + c.system) / 1000);
    });
  }
  rows.push({ name: 'baseline: validateConfig, 20,000 unknown keys (CPU ms)', medianMs: cpu[0]!, ratio: 1 });
  rows.push({ name: 'validateConfig, 40,000 (CPU ms; linear: ×2)', medianMs: cpu[1]!, ratio: cpu[1]! / cpu[0]! });

  const service = await workerService();
  try {
    await service.validate('warm-up', big);
    const onThread = await longestStall(async () => validateConfig(big));
    const inWorker = await longestStall(() => service.validate('big', big));
    rows.push({ name: 'baseline: longest event-loop stall, 3.5 MB checked on the thread', medianMs: onThread, ratio: 1 });
    rows.push({ name: 'longest event-loop stall, 3.5 MB checked in the worker', medianMs: inWorker, ratio: inWorker / onThread });
    const idle = await longestStall(() => new Promise((r) => setTimeout(r, 200)));
    rows.push({ name: 'longest event-loop stall, nothing checked (the noise floor)', medianMs: idle, ratio: idle / onThread });
  } finally {
    service.dispose();
  }
  for (const r of rows) log(`${r.name.padEnd(66)} ${r.medianMs.toFixed(2).padStart(10)} ms  ×${r.ratio.toFixed(2)}`);
  return rows;
}
