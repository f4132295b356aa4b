// Benchmark of the dashboard's data path on a 1,000,000-step series: min/max downsampling to chart width, debiased
// EMA smoothing (whole and incremental), outlier quantiles, each timed against a plain array copy of the same data
// in the same process, so the printed ratios mean the same on any machine. It never asserts timings.
import { performance } from 'node:perf_hooks';
import { downsampleMinMaxXY, emaSmooth, clippedRange, newEmaState, MinMaxAccumulator } from '../../src/shared/series';

export interface BenchRow {
  name: string;
  medianMs: number;
  /** medianMs / baseline medianMs. */
  ratio: number;
}

const N = 1_000_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median of `runs` timings in ms after one warm-up run; shared by the bench files. */
export function time(fn: () => unknown, runs = 9): number {
  fn(); // warm-up, so the JIT has compiled the function before it is measured
  const t: number[] = [];
  let sink = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = fn();
    t.push(performance.now() - t0);
    sink += r ? 1 : 0;
  }
  if (sink < 0) console.log(sink); // keeps results alive
  return median(t);
}

export function runDashboardBench(log: (line: string) => void = console.log): BenchRow[] {
  const xs = new Float64Array(N);
  const ys = new Float64Array(N);
  let s = 12345;
  for (let i = 0; i < N; i++) {
    s = (s * 16807) % 2147483647;
    xs[i] = i;
    ys[i] = 0.05 + 0.1 * Math.exp(-i / 200000) + (s / 2147483647 - 0.5) * 0.05;
  }
  const baseline = time(() => {
    const a = new Float64Array(N);
    a.set(ys);
    return a;
  });
  const plainArray = Array.from(ys);
  const out = new Float64Array(N); // the webview keeps this buffer per series, so it is not part of a redraw
  const cases: [string, () => unknown][] = [
    ['array copy (Array.slice)', () => plainArray.slice()],
    ['downsampleMinMax → 1000 buckets', () => downsampleMinMaxXY(xs, ys, 1000)],
    ['downsampleMinMax, last 10% (zoomed)', () => downsampleMinMaxXY(xs, ys, 1000, N * 0.9, N)],
    ['emaSmooth, whole series', () => emaSmooth(ys, 0.9, newEmaState(), 0, out)],
    ['emaSmooth, 1000 appended points', () => emaSmooth(ys, 0.9, { last: 0.05, count: N - 1000 }, N - 1000, out)],
    ['clippedRange (2 quantiles)', () => clippedRange(ys)],
    [
      'MinMaxAccumulator, 1M pushes',
      () => {
        const a = new MinMaxAccumulator(1000);
        for (let i = 0; i < N; i++) a.push(xs[i]!, ys[i]!);
        return a.points();
      },
    ],
    ['downsample + smooth (one redraw)', () => downsampleMinMaxXY(xs, emaSmooth(ys, 0.9, newEmaState(), 0, out), 1000)],
  ];
  const rows: BenchRow[] = [{ name: 'baseline: Float64Array copy', medianMs: baseline, ratio: 1 }];
  for (const [name, fn] of cases) {
    const ms = time(fn);
    rows.push({ name, medianMs: ms, ratio: ms / baseline });
  }
  log(`dashboard data path, ${N.toLocaleString('en')} steps (median of 9 runs; ratio = time / baseline)`);
  for (const r of rows) log(`  ${r.name.padEnd(40)} ${r.medianMs.toFixed(2).padStart(9)} ms  ${r.ratio.toFixed(1).padStart(7)}×`);
  return rows;
}

if (require.main === module) runDashboardBench();
