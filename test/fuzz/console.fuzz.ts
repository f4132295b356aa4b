// Fuzz: the console parser on random bytes and mutated real consoles (giant lines, \r and \n floods, ANSI, NULs,
// broken UTF-8, rank prefixes, absurd bar numbers, tracebacks of many ranks), fed in random chunks; for a share of the
// cases its events then go through the reducer (a failed exit, so the failure classifier runs too) into the
// dashboard's view. Sizes: most cases a mutated real console of a few KiB; 1 % with a piece of 64 KiB to 1 MiB and
// 0.2 % with one of 1 to 4 MiB (an endless line, a flood of breaks, random bytes), all views of buffers made once.
// Properties: nothing throws; events are well-formed (known types, finite counts, texts no longer than a line may
// be); the dashboard message built from them passes the protocol's own check; a record and a bar written after the
// garbage are still read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConsoleParser } from '../../src/core/worker/consoleParser';
import type { RunEvent } from '../../src/core/run/events';
import { reduceAll } from '../../src/core/run/reducer';
import { MAX_RANKS } from '../../src/core/run/ranks';
import { runView } from '../../src/core/view/dashboardModel';
import { checkHostMessage } from '../../src/shared/dashboardProtocol';
import { repoRoot } from '../unit/repoRoot';
import { Rng, runFuzz } from './fuzzKit';

const MAX_LINE = 1024; // small, so lines over the limit are common and cheap to make
const MAX_TB = 40;

const FIXTURES: Buffer[] = (() => {
  const dir = join(repoRoot(), 'test', 'fixtures', 'console');
  // The recorded real 2-process consoles too: rank prefixes, glued ranks, the ChildFailedError table.
  const multi = join(repoRoot(), 'test', 'fixtures', 'real-v0.27.2', 'multi-process-cpu');
  const logs = [
    ...readdirSync(dir).map((f) => join(dir, f)),
    ...readdirSync(join(dir, 'failures')).map((f) => join(dir, 'failures', f)),
    ...readdirSync(multi).map((f) => join(multi, f)),
  ];
  return logs.filter((f) => f.endsWith('.log')).map((f) => readFileSync(f));
})();

const SNIPPETS = [
  '\r',
  '\n',
  '\r\n',
  '\x1b[A',
  '\x1b[2K',
  '\x1b[31;1m',
  '\0',
  '\ufffd',
  '\ud800',
  '\xff\xfe',
  'Traceback (most recent call last):\n',
  '  File "train.py", line 1, in <module>\n',
  'RuntimeError: boom\n',
  'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB\n',
  '08/23/2026 14:05:09 - INFO - __main__ - ',
  '08/23/2026 14:05:09 - ERROR - accelerate - ',
  '[RANK 1] ',
  '[rank3]: ',
  'Steps:  12%|█▏        | 12/100 [00:01<00:10,  8.00it/s, lr=0.0001, step_loss=0.1]',
  'Steps: 100%|██████████| 99999999999999999999999999999/1 [00:01<00:00, 1e999it/s, lr=nan, step_loss=inf]',
  'Steps: 5it [00:01, 1.00it/s]',
  '100%|██████████| 25/25 [00:02<00:00]',
  'Saved state to out/checkpoint-',
  'Saving current state to /o/checkpoint-99999999999999999999999',
  'removing checkpoints: checkpoint-1, checkpoint-2',
  'Resuming from checkpoint checkpoint-18446744073709551616',
  'Num processes: 123456789012345678901234567890',
  '  Num Epochs = 99999999999999999999',
  '  Total optimization steps = -5',
  ' Generating 4 images with prompt: a cat.',
  '[sdxl-trainer] a note from the wrapper',
  'train_text_to_image_lora_sdxl.py',
  'Killed',
  'exitcode  : -9',
  // Numbers past any float: 400 digits.
  `\rSteps:  50%|█████     | ${'9'.repeat(400)}/${'9'.repeat(401)} [00:10<00:10,  1.00it/s, lr=1e-4, step_loss=0.5]\n`,
  `08/23/2026 14:05:09 - INFO - __main__ - Saved state to out/checkpoint-${'7'.repeat(400)}\n`,
  `08/23/2026 14:05:09 - INFO - __main__ -   Num Epochs = ${'3'.repeat(400)}\n`,
  `Resuming from checkpoint checkpoint-${'5'.repeat(400)}\n`,
  `100%|██████████| ${'2'.repeat(400)}/${'2'.repeat(400)} [00:02<00:00]\n`,
];

interface ConsoleInput {
  /** The console as pieces (giant ones are views of shared buffers, never copied), fed in `chunks`. */
  chunks: Array<string | Buffer>;
  /** A record and a bar appended after everything else, which the parser must still read. */
  sentinel: boolean;
  /** The events also go through the reducer and the dashboard's view: a share of the cases, as it costs as much as parsing. */
  dashboard: boolean;
  bytes: number;
}

// Sizes: most cases small (a mutated real console of a few KiB), a fixed share medium (64 KiB to 1 MiB) and giant
// (1 to 4 MiB: one endless line, a flood of line breaks, random bytes). Giant inputs are views of buffers made once:
// generating megabytes per case would cost more than parsing them.
const MEDIUM_PER_MILLE = 10;
const GIANT_PER_MILLE = 2;
const POOL_BYTES = 4 << 20;
const DASHBOARD_SHARE = 0.3;

/** `unit` repeated to POOL_BYTES (whole units), made on first use. */
const pools = new Map<string, Buffer>();
function pool(unit: string): Buffer {
  let b = pools.get(unit);
  if (!b) {
    const size = Buffer.byteLength(unit);
    b = Buffer.alloc(Math.ceil(POOL_BYTES / size) * size, unit);
    pools.set(unit, b);
  }
  return b;
}
/** Random bytes, the same on every run (a fixed seed): cases take views of it at random offsets. */
let randomPool: Buffer | undefined;
function randomBytes(rng: Rng, n: number): Buffer {
  randomPool ??= Buffer.from(new Rng(0x5eed).bytes(POOL_BYTES));
  const from = rng.int(POOL_BYTES - n + 1);
  return randomPool.subarray(from, from + n);
}

const GIANT_UNITS = ['x', 'é', '█', 'Steps: ', '\x1b[A', '[rank1]: '];
/** One line of `n` bytes or so (cut at a unit's end, or anywhere: a broken character then). */
function giantLine(rng: Rng, n: number): Buffer {
  const unit = rng.pick(GIANT_UNITS);
  const size = Buffer.byteLength(unit);
  const len = rng.chance(0.5) ? n - (n % size) : n;
  return pool(unit).subarray(0, Math.min(len, POOL_BYTES));
}
function flood(rng: Rng, n: number): Buffer {
  return pool(rng.pick(['\r', '\n', '\r\n', ' \r'])).subarray(0, Math.min(n, POOL_BYTES));
}

function snippets(rng: Rng): Buffer {
  return Buffer.from(Array.from({ length: rng.between(1, 12) }, () => rng.pick(SNIPPETS)).join(''));
}

/** A real console with 1 to 5 small mutations (each copies a few KiB at most). */
function mutated(rng: Rng): Buffer {
  let text = Buffer.from(rng.pick(FIXTURES));
  for (let m = rng.between(1, 5); m > 0; m--) {
    const at = rng.int(text.length + 1);
    let insert: Buffer | undefined;
    switch (rng.int(10)) {
      case 0: {
        // flip bytes
        for (let i = rng.between(1, 20); i > 0 && text.length > 0; i--) text[rng.int(text.length)]! ^= 1 << rng.int(8);
        continue;
      }
      case 1:
        text = Buffer.concat([text.subarray(0, at), text.subarray(Math.min(text.length, at + rng.size(2000)))]);
        continue;
      case 2:
        insert = text.subarray(at, at + rng.size(1500));
        break; // duplicate a stretch
      case 3:
        insert = giantLine(rng, rng.between(MAX_LINE, 2 * MAX_LINE));
        break; // over the line limit
      case 4:
        insert = flood(rng, rng.between(1, 1500));
        break;
      case 5:
        insert = randomBytes(rng, rng.size(1500));
        break;
      case 6: {
        // Tracebacks opened on many ranks and never closed.
        const parts: string[] = [];
        for (let i = rng.size(300) + 1; i > 0; i--) parts.push(`[rank${rng.chance(0.5) ? rng.int(8) : rng.u32()}]: Traceback (most recent call last):\n`);
        insert = Buffer.from(parts.join(''));
        break;
      }
      default:
        insert = snippets(rng);
    }
    text = Buffer.concat([text.subarray(0, at), insert, text.subarray(at)]);
  }
  return text;
}

/** A big piece: an endless line, a flood of breaks, or random bytes, of `n` bytes. */
function big(rng: Rng, n: number): Buffer {
  // Random bytes are lines of ~128 bytes, the parser's slowest input per byte: a tenth of the big pieces.
  const r = rng.int(10);
  return r < 5 ? giantLine(rng, n) : r < 9 ? flood(rng, n) : randomBytes(rng, n);
}

/** Cuts pieces into chunks of random sizes; mostly bytes (UTF-8 split anywhere), sometimes text as a caller that decoded itself would pass. */
function chunked(rng: Rng, pieces: Buffer[], bytes: number): Array<string | Buffer> {
  const chunks: Array<string | Buffer> = [];
  for (const data of pieces) {
    for (let at = 0; at < data.length;) {
      const n = Math.max(1, rng.chance(0.1) ? rng.size(16) : rng.size(Math.max(64, bytes >> 3)));
      const piece = data.subarray(at, at + n);
      chunks.push(rng.chance(0.9) ? piece : piece.toString('utf8'));
      at += n;
    }
  }
  return chunks;
}

function consoleInput(rng: Rng): ConsoleInput {
  const size = rng.int(1000);
  const pieces: Buffer[] = [];
  if (size < GIANT_PER_MILLE + MEDIUM_PER_MILLE) {
    // A real console around a big piece: what came before it and what follows must still parse.
    const n = size < GIANT_PER_MILLE ? rng.between(1 << 20, POOL_BYTES) : rng.between(64 << 10, (1 << 20) - 1);
    const text = mutated(rng);
    const at = rng.int(text.length + 1);
    pieces.push(text.subarray(0, at), big(rng, n), text.subarray(at));
  } else {
    const r = rng.int(10);
    pieces.push(r < 2 ? randomBytes(rng, rng.size(4096)) : r < 3 ? giantLine(rng, rng.between(MAX_LINE, 4 * MAX_LINE)) : mutated(rng));
  }
  const bytes = pieces.reduce((n, p) => n + p.length, 0);
  return { chunks: chunked(rng, pieces, bytes), sentinel: rng.chance(0.7), dashboard: rng.chance(DASHBOARD_SHARE), bytes };
}

const SENTINEL_TEXT =
  '\n08/23/2026 14:05:09 - INFO - __main__ - Saved state to out/checkpoint-777\n' +
  '\rSteps:  50%|█████     | 778/1556 [00:10<00:10,  1.00it/s, lr=0.0001, step_loss=0.5]\n';

const TYPES = new Set([
  'runInfo',
  'scriptHint',
  'phase',
  'progress',
  'postfix',
  'banner',
  'accelerateState',
  'epoch',
  'log',
  'checkpointSaving',
  'checkpointSaved',
  'checkpointsRemoved',
  'checkpointScan',
  'validationStarted',
  'validationImages',
  'scalar',
  'gpuSample',
  'resumed',
  'resumeNotFound',
  'finalInference',
  'traceback',
  'errorLine',
  'failure',
  'stopRequested',
  'hang',
  'exit',
  'rankLine',
  'rankFailure',
]);

const count = (v: unknown, what: string) =>
  assert.ok(typeof v === 'number' && Number.isInteger(v) && v >= 0 && Number.isFinite(v), `${what}: ${String(v)} is not a count`);
const short = (v: unknown, what: string) => assert.ok(typeof v === 'string' && v.length <= MAX_LINE, `${what}: a string of at most ${MAX_LINE} characters`);

function assertWellFormed(e: RunEvent): void {
  assert.ok(TYPES.has(e.type), `unknown event type ${e.type}`);
  switch (e.type) {
    case 'progress':
      count(e.step, 'progress.step');
      if (e.total !== undefined) count(e.total, 'progress.total');
      for (const k of ['rateItPerSec', 'elapsedSec', 'remainingSec'] as const)
        if (e[k] !== undefined) assert.ok(e[k]! >= 0 && Number.isFinite(e[k]), `progress.${k}: ${e[k]}`);
      break;
    case 'postfix':
      count(e.step, 'postfix.step');
      break;
    case 'checkpointSaving':
    case 'checkpointSaved':
      count(e.step, `${e.type}.step`);
      short(e.path, `${e.type}.path`);
      break;
    case 'resumed':
      count(e.fromStep, 'resumed.fromStep');
      short(e.checkpoint, 'resumed.checkpoint');
      break;
    case 'finalInference':
      count(e.step, 'finalInference.step');
      count(e.total, 'finalInference.total');
      break;
    case 'banner':
      for (const [k, v] of Object.entries(e)) if (k !== 'type') count(v, `banner.${k}`);
      break;
    case 'accelerateState':
      if (e.numProcesses !== undefined) count(e.numProcesses, 'accelerateState.numProcesses');
      break;
    case 'validationStarted':
      if (e.numImages !== undefined) count(e.numImages, 'validationStarted.numImages');
      break;
    case 'log':
      short(e.message, 'log.message');
      if (e.rank !== undefined) count(e.rank, 'log.rank');
      break;
    case 'errorLine':
      short(e.text, 'errorLine.text');
      break;
    case 'checkpointsRemoved':
      for (const n of e.names) short(n, 'checkpointsRemoved name');
      break;
    case 'rankLine':
      count(e.rank, 'rankLine.rank');
      assert.ok(e.text.length > 0 && e.text.length <= 200, `rankLine.text: ${e.text.length} characters`);
      break;
    case 'rankFailure':
      count(e.rank, 'rankFailure.rank');
      if (e.exitCode !== undefined) assert.ok(Number.isSafeInteger(e.exitCode), `rankFailure.exitCode: ${e.exitCode}`);
      break;
    case 'traceback':
      assert.ok(e.traceback.lines.length <= MAX_TB + 1, `a traceback of ${e.traceback.lines.length} lines (bound ${MAX_TB})`);
      for (const l of e.traceback.lines) short(l, 'traceback line');
      break;
    default:
  }
}

test('fuzz: console parser', async () => {
  await runFuzz<ConsoleInput>({
    name: 'console',
    file: 'test/fuzz/console.fuzz.ts',
    generate: consoleInput,
    check: (input) => {
      const p = new ConsoleParser({ maxLineChars: MAX_LINE, maxTracebackLines: MAX_TB });
      const events: RunEvent[] = [];
      const take = (es: RunEvent[]) => {
        for (const e of es) {
          assertWellFormed(e);
          events.push(e);
        }
      };
      for (const c of input.chunks) take(p.push(c));
      const before = events.length;
      if (input.sentinel) take(p.push(SENTINEL_TEXT));
      take(p.end());
      if (input.sentinel) {
        const after = events.slice(before);
        assert.ok(
          after.some((e) => e.type === 'checkpointSaved' && e.step === 777 && e.path === 'out/checkpoint-777'),
          'the record after the garbage is read',
        );
        assert.ok(
          after.some((e) => e.type === 'progress' && e.step === 778 && e.total === 1556),
          'the bar after the garbage is read',
        );
        assert.ok(
          after.some((e) => e.type === 'postfix' && e.step === 778 && e.stepLoss === 0.5),
          'its postfix too',
        );
      }
      if (!input.dashboard) return;
      // The same events as a failed run's state, and that state as the dashboard's first message for it.
      const state = reduceAll([...events, { type: 'exit', code: 1, signal: null }]);
      assert.ok(state.ranks.ranks.length <= MAX_RANKS, `${state.ranks.ranks.length} ranks kept`);
      const view = runView(state, { id: 'fuzz', label: 'fuzz', simulated: false, imageUri: () => undefined });
      const problem = checkHostMessage({ type: 'init', runs: [view] });
      assert.equal(problem, undefined, `the dashboard would drop this run's view: ${problem}`);
    },
    sizeOf: (input) => input.bytes,
    describe: (input) => {
      const text = input.chunks.map((c) => (typeof c === 'string' ? c : c.toString('latin1'))).join('');
      return `${input.bytes} bytes in ${input.chunks.length} chunks${input.sentinel ? ' + sentinel' : ''}${input.dashboard ? ', to the dashboard' : ''}: ${JSON.stringify(text.slice(0, 300))}`;
    },
  });
});
