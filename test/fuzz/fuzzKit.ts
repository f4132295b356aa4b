// The fuzz suites' loop: a seeded PRNG per case (so one case replays alone), bounded by a case count AND a time budget,
// heap watched, one summary line per suite: `fuzz <name>: N cases in T s (sizes: …), seed S, F failures`, and the
// suite's report for the figures in docs/RELIABILITY.md (test/reliabilityReport.ts; not for a one-case replay).
//
//   FUZZ_SEED=S      replay a run (default: a fresh seed, printed)
//   FUZZ_CASE=i      run only case i of that seed (what a failure report names)
//   FUZZ_CASES=n     cases per suite (default 100000)
//   FUZZ_SECONDS=s   time budget per suite (default 60, or the suite's own `seconds`)
//   FUZZ_MAX_HEAP_MB heap bound (default 1024): more heap in use after a case is a failure
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { writeReliabilityReport } from '../reliabilityReport';

/** sfc32: small, fast, good enough for test inputs, and the same sequence on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9;
    this.b = seed >>> 0;
    this.c = stream >>> 0;
    this.d = 1;
    for (let i = 0; i < 15; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  /** Mostly small numbers, sometimes large: sizes of things. */
  size(max: number): number {
    const r = this.int(4);
    const cap = r === 0 ? 4 : r === 1 ? 64 : r === 2 ? 4096 : max;
    return this.int(Math.min(cap, max) + 1);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      out[i] = v;
      if (i + 1 < n) out[i + 1] = v >>> 8;
      if (i + 2 < n) out[i + 2] = v >>> 16;
      if (i + 3 < n) out[i + 3] = v >>> 24;
    }
    return out;
  }

  /** `n` characters drawn from `alphabet`, or from all of UTF-16 (lone surrogates included) when omitted. */
  string(n: number, alphabet?: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet ? alphabet[this.int(alphabet.length)]! : String.fromCharCode(this.int(0x10000));
    return s;
  }
}

export interface FuzzSettings {
  seed: number;
  cases: number;
  ms: number;
  only: number | undefined;
  maxHeapBytes: number;
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${v}: expected a non-negative integer`);
  return n;
}

export function fuzzSettings(): FuzzSettings {
  return {
    seed: envInt('FUZZ_SEED') ?? randomInt(0, 2 ** 32 - 1),
    cases: envInt('FUZZ_CASES') ?? 100_000,
    ms: (envInt('FUZZ_SECONDS') ?? 60) * 1000,
    only: envInt('FUZZ_CASE'),
    maxHeapBytes: (envInt('FUZZ_MAX_HEAP_MB') ?? 1024) * 1024 * 1024,
  };
}

export interface Suite<I> {
  name: string;
  /** The test file, for the replay command printed with a failure. */
  file: string;
  generate(rng: Rng, index: number): I;
  /** Throws (assert) when a property does not hold. May use `rng` for its own choices (chunking, budgets). */
  check(input: I, rng: Rng): void | Promise<void>;
  /** A short description of an input for a failure report. */
  describe?(input: I): string;
  /**
   * This suite's time budget in seconds when FUZZ_SECONDS is not set (default 60): the suites whose cases read files
   * several ways need more than 60 s of a 2-core machine for 100,000 cases.
   */
  seconds?: number;
  /** The input's size in bytes, counted per size class in the summary line (what share of the cases was giant). */
  sizeOf?(input: I): number;
}

/** Size classes of the summary line: upper bounds in bytes, and their names. */
const SIZE_CLASSES: ReadonlyArray<[number, string]> = [
  [4096, '< 4 KiB'],
  [65536, '4–64 KiB'],
  [1 << 20, '64 KiB–1 MiB'],
  [Infinity, '≥ 1 MiB'],
];

function sizeClass(bytes: number): number {
  let i = 0;
  while (bytes >= SIZE_CLASSES[i]![0]) i++;
  return i;
}

/** "93,512 < 4 KiB (31.0 s), 6,488 4–64 KiB (9.2 s), 0 64 KiB–1 MiB, 100 ≥ 1 MiB (8.1 s)": cases and their time. */
export function sizesText(counts: readonly number[], ms: readonly number[]): string {
  return SIZE_CLASSES.map(
    ([, name], i) => `${(counts[i] ?? 0).toLocaleString('en-US')} ${name}${counts[i] ? ` (${((ms[i] ?? 0) / 1000).toFixed(1)} s)` : ''}`,
  ).join(', ');
}

interface Failure {
  index: number;
  error: unknown;
  input: string;
}

const MAX_REPORTED = 5;

function excerpt(text: string, max = 400): string {
  const t = JSON.stringify(text);
  return t.length <= max ? t : `${t.slice(0, max)}… (${text.length} chars)`;
}

/** Runs a suite to its case count or time budget, prints its summary line, and fails the test if any case failed. */
export async function runFuzz<I>(suite: Suite<I>, given?: FuzzSettings): Promise<void> {
  const settings = given ?? { ...fuzzSettings(), ...(suite.seconds !== undefined && envInt('FUZZ_SECONDS') === undefined ? { ms: suite.seconds * 1000 } : {}) };
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const failures: Failure[] = [];
  let cases = 0;
  let peakHeap = 0;
  const sizes = SIZE_CLASSES.map(() => 0);
  const sizeMs = SIZE_CLASSES.map(() => 0);
  const first = settings.only ?? 0;
  const last = settings.only ?? settings.cases - 1;
  for (let index = first; index <= last; index++) {
    if (settings.only === undefined && performance.now() - started > settings.ms) break;
    // Each case has its own stream, so FUZZ_CASE=i rebuilds exactly the input case i had.
    const rng = new Rng(settings.seed, index);
    let input: I | undefined;
    const caseStarted = performance.now();
    let size = -1;
    try {
      input = suite.generate(rng, index);
      if (suite.sizeOf) size = sizeClass(suite.sizeOf(input));
      await suite.check(input, rng);
    } catch (error) {
      failures.push({ index, error, input: input === undefined ? '(generator failed)' : suite.describe ? suite.describe(input) : excerpt(String(input)) });
    }
    if (size >= 0) {
      sizes[size]!++;
      sizeMs[size]! += performance.now() - caseStarted;
    }
    cases++;
    if ((cases & 255) === 0 || settings.only !== undefined) {
      const heap = process.memoryUsage().heapUsed;
      peakHeap = Math.max(peakHeap, heap);
      if (heap > settings.maxHeapBytes) {
        failures.push({
          index,
          error: new Error(`heap in use ${(heap / 2 ** 20).toFixed(0)} MiB, over the bound of ${settings.maxHeapBytes / 2 ** 20} MiB`),
          input: '(after this case)',
        });
        break;
      }
    }
    if (failures.length >= MAX_REPORTED) break;
  }
  const seconds = (performance.now() - started) / 1000;
  // CPU time too: on a loaded machine the wall time says more about the others' load than about the suite.
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `fuzz ${suite.name}: ${cases.toLocaleString('en-US')} cases in ${seconds.toFixed(1)} s (CPU ${cpuSeconds.toFixed(1)} s)${suite.sizeOf ? ` (sizes: ${sizesText(sizes, sizeMs)})` : ''}, seed ${settings.seed}, ${failures.length} failures, heap in use at most ${(peakHeap / 2 ** 20).toFixed(0)} MiB`,
  );
  // A one-case replay is not a run of the suite: the report of the last real run stays.
  if (settings.only === undefined)
    writeReliabilityReport({
      suite: suite.name,
      kind: 'fuzz',
      cases,
      failures: failures.length,
      seconds: Math.round(seconds * 10) / 10,
      cpuSeconds: Math.round(cpuSeconds * 10) / 10,
      loadAverage: Math.round(loadavg()[0]! * 10) / 10,
      seed: settings.seed,
      ...(suite.sizeOf ? { sizes: sizesText(sizes, sizeMs) } : {}),
    });
  for (const f of failures) {
    const err = f.error instanceof Error ? `${f.error.name}: ${f.error.message}\n${(f.error.stack ?? '').split('\n').slice(1, 6).join('\n')}` : String(f.error);
    console.log(
      `  case ${f.index} (replay: FUZZ_SEED=${settings.seed} FUZZ_CASE=${f.index} node --import tsx --test ${suite.file})\n  input: ${f.input}\n  ${err.replace(/\n/g, '\n  ')}`,
    );
  }
  assert.equal(failures.length, 0, `fuzz ${suite.name}: ${failures.length} failing case(s), seed ${settings.seed}; see above`);
}

/** Fails unless `e` is an error the code under test means to throw (not one the JavaScript engine threw on its behalf). */
export function assertDeliberateError(e: unknown, allowed: ReadonlyArray<new (...args: never[]) => Error>, what: string): void {
  if (
    allowed.some((cls) => e instanceof cls) &&
    !(e instanceof TypeError) &&
    !(e instanceof RangeError) &&
    !(e instanceof ReferenceError) &&
    !(e instanceof SyntaxError)
  ) {
    assert.ok((e as Error).message.length > 0, `${what}: an error without a message`);
    return;
  }
  throw e instanceof Error ? Object.assign(e, { message: `${what} threw ${e.name}: ${e.message}` }) : new Error(`${what} threw ${String(e)}`);
}
