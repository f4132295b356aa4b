// Host-side data path benchmarks, each against a baseline run in the same process (ratios, never asserted):
// - the console parser on a long tqdm log vs splitting the same text into lines;
// - the console parser on as many bytes of one line without a break, of `\r` and of ` \r` vs the same log's bytes;
// - the reducer folding 1,000,000 steps vs building an array of the same points;
// - the dashboard delta for 1,000 new steps on top of 1,000,000 vs copying 1,000 points.
import { ConsoleParser } from '../../src/core/worker/consoleParser';
import { reduceAll } from '../../src/core/run/reducer';
import type { RunEvent } from '../../src/core/run/events';
import { RunDeltaTracker, type RunMeta } from '../../src/core/view/dashboardModel';
import { time as timeRuns, type BenchRow } from './dashboardBench';

const time = (fn: () => unknown, runs = 5): number => timeRuns(fn, runs);

function tqdmLog(steps: number): string {
  const parts: string[] = [];
  for (let n = 1; n <= steps; n++) {
    const pct = Math.floor((100 * n) / steps);
    parts.push(
      `\rSteps: ${String(pct).padStart(3)}%|${'█'.repeat(Math.floor(pct / 10)).padEnd(10)}| ${n}/${steps} [01:02<03:04,  3.21s/it, lr=0.0001, step_loss=0.${(n % 997) + 100}]`,
    );
    if (n % 500 === 0) parts.push(`08/23/2026 14:05:09 - INFO - __main__ - [RANK 0] Saved state to out/checkpoint-${n}\n`);
  }
  return parts.join('');
}

function steps(n: number, from = 1): RunEvent[] {
  const out: RunEvent[] = [];
  for (let s = from; s < from + n; s++) {
    out.push({ type: 'postfix', step: s, stepLoss: 0.1 + (s % 13) / 100, lr: 1e-4 });
    out.push({ type: 'scalar', tag: 'train_loss', step: s, value: 0.1 + (s % 7) / 100, wallTime: s });
  }
  return out;
}

export function runHostBench(log: (line: string) => void = console.log): BenchRow[] {
  const rows: BenchRow[] = [];
  const text = tqdmLog(100_000);
  const splitMs = time(() => text.split(/[\r\n]/).length);
  const parseMs = time(() => {
    const p = new ConsoleParser();
    for (let i = 0; i < text.length; i += 65536) p.push(text.slice(i, i + 65536));
    return p.end();
  }, 3);
  rows.push({ name: 'baseline: split 100k-step tqdm log into lines', medianMs: splitMs, ratio: 1 });
  rows.push({ name: 'ConsoleParser on the same log (64 KiB chunks)', medianMs: parseMs, ratio: parseMs / splitMs });

  // A console of one endless line (a flood without a break): its rest is skipped undecoded, so it costs less than a
  // real log of the same size.
  const logBytes = Buffer.from(text);
  const line = Buffer.alloc(logBytes.length, 0x78);
  const parseBytes = (data: Buffer) => () => {
    const p = new ConsoleParser();
    for (let i = 0; i < data.length; i += 65536) p.push(data.subarray(i, i + 65536));
    return p.end();
  };
  const logBytesMs = time(parseBytes(logBytes), 3);
  const lineMs = time(parseBytes(line), 3);
  rows.push({ name: `baseline: ConsoleParser on the log's ${(logBytes.length / 2 ** 20).toFixed(0)} MiB as bytes`, medianMs: logBytesMs, ratio: 1 });
  rows.push({ name: 'ConsoleParser on as many bytes of one line', medianMs: lineMs, ratio: lineMs / logBytesMs });
  // Floods of line breaks and of blank redraws (` \r`): segments that give nothing, skipped before any regex runs.
  for (const unit of ['\r', ' \r']) {
    const flood = Buffer.alloc(logBytes.length, unit);
    const floodMs = time(parseBytes(flood), 3);
    rows.push({ name: `ConsoleParser on as many bytes of ${JSON.stringify(unit)}`, medianMs: floodMs, ratio: floodMs / logBytesMs });
  }

  const events = steps(1_000_000);
  const arrayMs = time(() => events.map((e) => [e.type === 'postfix' ? e.step : 0, 0]), 3);
  let state = reduceAll([]);
  const reduceMs = time(() => (state = reduceAll(events)), 3);
  rows.push({ name: 'baseline: map 2M events to points', medianMs: arrayMs, ratio: 1 });
  rows.push({ name: 'reduce 1M steps (2M events)', medianMs: reduceMs, ratio: reduceMs / arrayMs });

  const meta: RunMeta = { id: 'bench', label: 'bench', simulated: false, imageUri: () => undefined };
  const more = reduceAll(steps(1000, 1_000_001), state);
  const copyMs = time(() => Array.from({ length: 1000 }, (_, i) => [i, i]));
  // Each delta call needs a tracker that has sent `state` and not yet `more`: prepare them outside the timing.
  const trackers = Array.from({ length: 4 }, () => {
    const t = new RunDeltaTracker();
    t.full(state, meta);
    return t;
  });
  const deltaMs = time(() => trackers.pop()!.delta(more, meta), 3);
  const fullMs = time(() => new RunDeltaTracker().full(state, meta), 3);
  rows.push({ name: 'baseline: copy 1,000 points', medianMs: copyMs, ratio: 1 });
  rows.push({ name: 'full view of a 1M-step run (sent once per panel load)', medianMs: fullMs, ratio: fullMs / copyMs });
  rows.push({ name: 'delta of 1,000 new steps on a 1M-step run', medianMs: deltaMs, ratio: deltaMs / copyMs });
  for (const r of rows) log(`${r.name.padEnd(58)} ${r.medianMs.toFixed(2).padStart(10)} ms  ×${r.ratio.toFixed(2)}`);
  return rows;
}
