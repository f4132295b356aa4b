import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleParser, parseConsole } from '../../src/core/worker/consoleParser';
import { parseTqdmBar, parseTqdmNumber } from '../../src/core/worker/tqdm';
import type { RunEvent, RunEventOf, RunEventType } from '../../src/core/run/events';

const FIX = join(__dirname, '..', 'fixtures', 'console');
const read = (name: string) => readFileSync(join(FIX, name));
const ofType = <T extends RunEventType>(events: RunEvent[], type: T) => events.filter((e): e is RunEventOf<T> => e.type === type);

test('tqdm bar variants: rates, times, no bar chars, postfix numbers', () => {
  const a = parseTqdmBar('Steps:  12%|█▏        | 120/1000 [06:25<47:05,  3.21s/it, lr=1e-6, step_loss=0.0921]')!;
  assert.equal(a.desc, 'Steps');
  assert.equal(a.n, 120);
  assert.equal(a.total, 1000);
  assert.equal(a.elapsedSec, 6 * 60 + 25);
  assert.equal(a.remainingSec, 47 * 60 + 5);
  assert.ok(Math.abs(a.ratePerSec! - 1 / 3.21) < 1e-9);
  assert.equal(a.postfix.get('lr'), '1e-6');
  const b = parseTqdmBar('Steps:   0%|          | 0/1000 [00:00<?, ?it/s]')!;
  assert.equal(b.remainingSec, undefined);
  assert.equal(b.ratePerSec, undefined);
  const c = parseTqdmBar('Steps:  50%|| 500/1000 [1:02:03<25:00:00, 12.34it/s]')!;
  assert.equal(c.elapsedSec, 3723);
  assert.equal(c.remainingSec, 90000);
  assert.equal(c.ratePerSec, 12.34);
  const d = parseTqdmBar('Steps:  12% 120/1000 [06:25<47:05,  3.21s/it]')!; // ncols too small for a bar
  assert.equal(d.n, 120);
  const e = parseTqdmBar('Steps: 2001it [1:00:00,  2.00s/it, lr=5e-5, step_loss=nan]')!; // tqdm drops total past it
  assert.equal(e.total, undefined);
  assert.equal(e.n, 2001);
  assert.equal(e.postfix.get('step_loss'), 'nan');
  assert.ok(Number.isNaN(parseTqdmNumber('nan')!));
  assert.equal(parseTqdmNumber('1e-6'), 1e-6);
  assert.equal(parseTqdmNumber('0'), 0);
  assert.equal(parseTqdmNumber('abc'), undefined);
});

test('chunking never changes the events (UTF-8 split across Buffer chunks included)', () => {
  for (const name of ['full.log', 'windows.log', 'multigpu.log', 'resume.log']) {
    const bytes = read(name);
    const whole = parseConsole(bytes);
    let seed = name.length;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 37) + 1;
    const p = new ConsoleParser();
    const events: RunEvent[] = [];
    for (let i = 0; i < bytes.length;) {
      const n = rnd();
      events.push(...p.push(bytes.subarray(i, i + n)));
      i += n;
    }
    events.push(...p.end());
    // Eager bar reporting may report a bar before the segment ends; compare what is reported, not when.
    assert.deepEqual(events, whole, name);
  }
});

test('full run: banner, phases, glued checkpoint records, validation record with embedded newline, final test bars', () => {
  const ev = parseConsole(read('full.log'));
  const phases = ofType(ev, 'phase').map((e) => e.phase);
  assert.deepEqual(phases, ['pre-computing', 'training', 'saving', 'training', 'validating', 'training', 'saving', 'training', 'finishing']);
  const banner = Object.assign({}, ...ofType(ev, 'banner').map(({ type: _t, ...f }) => f));
  assert.deepEqual(banner, { numExamples: 833, numEpochs: 5, batchSize: 1, totalBatchSize: 4, gradAccum: 4, totalSteps: 1000 });
  assert.deepEqual(
    ofType(ev, 'checkpointSaved').map((e) => [e.step, e.path]),
    [
      [500, 'sdxl-out/checkpoint-500'],
      [1000, 'sdxl-out/checkpoint-1000'],
    ],
  );
  const val = ofType(ev, 'validationStarted');
  assert.ok(val.some((v) => v.numImages === 4 && v.prompt === 'a photo of a cat wearing a hat'));
  const progress = ofType(ev, 'progress');
  assert.equal(progress.at(-1)!.step, 1000);
  assert.ok(
    progress.every((p) => p.total === 1000),
    'the no-desc 25/25 test bars are not the Steps bar',
  );
  assert.equal(ofType(ev, 'finalInference').length, 8);
  const post = ofType(ev, 'postfix');
  assert.equal(post[0]!.lr, 1e-6);
  assert.equal(ofType(ev, 'log').find((l) => l.message.startsWith('Saved state'))!.rank, 0);
  assert.ok(ofType(ev, 'scriptHint').some((h) => h.script === 'full'));
  assert.deepEqual(
    ofType(ev, 'accelerateState')
      .map((e) => e.mixedPrecision)
      .filter(Boolean),
    ['fp16'],
  );
});

test('a bar is reported as soon as it is drawn, without waiting for the next redraw', () => {
  const p = new ConsoleParser();
  const first = p.push('\rSteps:  12%|█▏        | 120/1000 [06:25<47:05,  3.21s/it, lr=1e-6, step_loss=0.0921]');
  assert.deepEqual(
    ofType(first, 'progress').map((e) => e.step),
    [120],
  );
  const glued = p.push('08/23/2026 14:05:09 - INFO - __main__ - Saved state to out/checkpoint-120\n');
  assert.equal(ofType(glued, 'progress').length, 0, 'the bar is not reported twice');
  assert.deepEqual(
    ofType(glued, 'checkpointSaved').map((e) => e.step),
    [120],
  );
});

test('dreambooth postfix loss=/lr= with nan, and its banner line names the script', () => {
  const ev = parseConsole(read('dreambooth.log'));
  const post = ofType(ev, 'postfix');
  assert.ok(Number.isNaN(post.at(-1)!.stepLoss!));
  assert.equal(post[0]!.stepLoss, 0.21);
  assert.equal(ofType(ev, 'scriptHint').at(-1)!.script, 'dreambooth-lora');
});

test('resume messages and steps past total', () => {
  const ev = parseConsole(read('resume.log'));
  assert.deepEqual(ofType(ev, 'resumed'), [{ type: 'resumed', fromStep: 1500, checkpoint: 'checkpoint-1500' }]);
  const last = ofType(ev, 'progress').at(-1)!;
  assert.equal(last.step, 2001);
  assert.equal(last.total, 2000);
  const lora = parseConsole(read('lora.log'));
  assert.deepEqual(
    ofType(lora, 'resumeNotFound').map((e) => e.checkpoint),
    ['latest'],
  );
});

test('multi-GPU: [RANK n] and [rankN]: prefixes; per-rank traceback; launcher summary lines', () => {
  const ev = parseConsole(read('multigpu.log'));
  const tbs = ofType(ev, 'traceback');
  const child = tbs.find((t) => t.traceback.rank === 1)!;
  assert.match(child.traceback.exception!, /^torch\.OutOfMemoryError: CUDA out of memory/);
  assert.ok(child.traceback.lines.every((l) => !l.startsWith('[rank1]')));
  assert.ok(tbs.some((t) => /ChildFailedError/.test(t.traceback.exception ?? '')));
  assert.deepEqual(
    ofType(ev, 'accelerateState')
      .map((e) => e.numProcesses)
      .filter(Boolean),
    [2, 2],
  );
  assert.ok(ofType(ev, 'log').some((l) => l.rank === 1));
  assert.ok(ofType(ev, 'errorLine').some((l) => /exitcode/.test(l.text)));
});

test('Windows console: CRLF, backslash paths, script from a drive-letter traceback path', () => {
  const ev = parseConsole(read('windows.log'));
  assert.deepEqual(
    ofType(ev, 'checkpointSaved').map((e) => [e.step, e.path]),
    [[40, 'C:\\Users\\me\\sdxl\\out\\checkpoint-40']],
  );
  assert.equal(ofType(ev, 'scriptHint').at(-1)!.script, 'lora');
  assert.ok(ofType(ev, 'traceback').some((t) => /OutOfMemoryError/.test(t.traceback.exception ?? '')));
});

test('a log that starts mid-traceback and one that ends mid-traceback still yield tracebacks', () => {
  const text = read('failures/other.log').toString('utf8');
  const from = text.indexOf('  File "/home/me/diffusers');
  const ev = parseConsole(text.slice(from));
  assert.equal(ofType(ev, 'traceback')[0]!.traceback.exception, 'ValueError: Unknown prediction type x_pred');
  const cut = parseConsole(text.slice(0, text.indexOf('ValueError: Unknown')));
  const open = ofType(cut, 'traceback');
  assert.equal(open.length, 1);
  assert.equal(open[0]!.traceback.exception, undefined);
});

test('memory stays bounded: a 100 MB line without newline is truncated, binary garbage is ignored', () => {
  const p = new ConsoleParser({ maxLineChars: 64 * 1024 });
  const mb = Buffer.alloc(1 << 20, 0x78);
  for (let i = 0; i < 100; i++) assert.deepEqual(p.push(mb), []);
  assert.ok((p as unknown as { pending: string }).pending.length <= 64 * 1024);
  const after = p.push('\n08/23/2026 14:05:09 - INFO - __main__ - Saved state to o/checkpoint-7\n');
  assert.equal(p.truncatedLines, 1);
  assert.deepEqual(
    ofType(after, 'checkpointSaved').map((e) => e.step),
    [7],
  );
  let seed = 7;
  const garbage = Buffer.alloc(200_000);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  assert.doesNotThrow(() => parseConsole(garbage));
});

test("the rest of an over-long line is skipped without decoding it; what is kept is as if it were decoded (found by the fuzz suite's profile)", () => {
  // 32 MiB of one line, multibyte characters cut across chunks, then records: only about 3 bytes per kept character
  // are decoded (before: all 32 MiB), and the events and kept text equal those of the same input as text.
  const line = Buffer.from('é█x'.repeat(6 * 1024 * 1024)); // 6 bytes a repeat: 36 MiB
  const tail = Buffer.from(
    '\r\n08/23/2026 14:05:09 - INFO - __main__ - Saved state to o/checkpoint-7\nhf_FAKEtoken0123456789abcdefghij' +
      '\n'.repeat(3) +
      'x'.repeat(5000) +
      '\rSteps:  50%|█████     | 5/10 [00:10<00:10,  1.00it/s, lr=0.0001, step_loss=0.5]\n',
  );
  const whole = Buffer.concat([line, tail]);
  const asText = new ConsoleParser({ maxLineChars: 1000 });
  const want = [...asText.push(whole.toString('utf8')), ...asText.end()];
  for (const chunk of [65_537, 1_000_003, whole.length]) {
    const p = new ConsoleParser({ maxLineChars: 1000 });
    const got: RunEvent[] = [];
    for (let i = 0; i < whole.length; i += chunk) for (const e of p.push(whole.subarray(i, i + chunk))) got.push(e);
    for (const e of p.end()) got.push(e);
    assert.deepEqual(got, want, `chunks of ${chunk} bytes`);
    assert.equal(p.truncatedLines, asText.truncatedLines);
    assert.ok(p.decodedBytes < 200_000, `${p.decodedBytes} bytes decoded of ${whole.length}`);
  }
  assert.deepEqual(
    ofType(want, 'checkpointSaved').map((e) => e.step),
    [7],
  );
  assert.deepEqual(
    ofType(want, 'progress').map((e) => e.step),
    [5],
  );
  // Many over-long lines in one chunk: each line's end is found by one search, not one per line.
  const many = Buffer.from(('y'.repeat(20_000) + '\n').repeat(3000)); // 60 MB
  const p = new ConsoleParser({ maxLineChars: 1000 });
  assert.deepEqual(p.push(many), []);
  assert.equal(p.truncatedLines, 3000);
  assert.ok(p.decodedBytes <= 3000 * 4100, `${p.decodedBytes} bytes decoded of ${many.length}`);
});

test('floods of line breaks and blank redraws give no events; a bar and a record among them are read as without them', () => {
  const bar = '\rSteps:  50%|█████     | 5/10 [00:10<00:10,  1.00it/s, lr=0.0001, step_loss=0.5]';
  const record = '\n08/23/2026 14:05:09 - INFO - __main__ - Saved state to o/checkpoint-7\n';
  const plain = parseConsole(Buffer.from(bar + record + bar.replace('5/10', '6/10') + '\n'));
  const flood = (unit: string) => unit.repeat(200_000);
  const flooded = parseConsole(
    Buffer.from(flood(' \r') + bar + flood('\r') + record + flood('\r\n') + flood('\t \r') + bar.replace('5/10', '6/10') + flood('\n') + '\n'),
  );
  assert.deepEqual(flooded, plain);
  assert.deepEqual(
    ofType(plain, 'progress').map((e) => e.step),
    [5, 6],
  );
});

test("the wrapper's own `[sdxl-trainer] ` lines are WARNING records of its logger, even right after a bar", () => {
  const text =
    'Steps:  10%|█         | 3/30 [00:03<00:27,  1.00it/s]\r' +
    '\n[sdxl-trainer] cannot write run record /r/exit.json: the disk is full (ENOSPC)\n' +
    "[rank0]: [sdxl-trainer] could not start 'python': ENOENT\n";
  const logs = ofType(parseConsole(Buffer.from(text)), 'log');
  assert.deepEqual(
    logs.map((l) => [l.level, l.logger, l.message]),
    [
      ['WARNING', 'sdxl-trainer', 'cannot write run record /r/exit.json: the disk is full (ENOSPC)'],
      ['WARNING', 'sdxl-trainer', "could not start 'python': ENOENT"],
    ],
  );
  assert.equal(ofType(parseConsole(Buffer.from(text)), 'progress').at(-1)?.step, 3, 'the bar before it still counts');
});

test("numbers past any float are not counts: such lines give no step, and the run's view stays valid (found by the fuzz suite)", () => {
  const big = '9'.repeat(400);
  const events = parseConsole(
    [
      `\rSteps:  50%|█████     | ${big}/${big} [00:10<00:10,  1.00it/s, lr=1e-4, step_loss=0.5]`,
      `\rSteps:  50%|█████     | 7/${big} [${big}:00<00:10, ${'0.'.padEnd(330, '0')}1s/it]`,
      `08/23/2026 14:05:09 - INFO - __main__ - Saved state to out/checkpoint-${big}`,
      `08/23/2026 14:05:09 - INFO - __main__ -   Num Epochs = ${big}`,
      `Resuming from checkpoint checkpoint-${big}`,
      `[rank${big}]: Num processes: ${big}`,
      '',
    ].join('\n'),
  );
  const numbers = events.flatMap((e) => Object.values(e).filter((v): v is number => typeof v === 'number'));
  assert.ok(numbers.every(Number.isFinite), JSON.stringify(events));
  assert.deepEqual(
    events.filter((e) => e.type === 'progress'),
    [{ type: 'progress', step: 7, remainingSec: 10 }],
  );
  assert.equal(
    events.some((e) => e.type === 'checkpointSaved' || e.type === 'resumed' || e.type === 'banner'),
    false,
  );
});

test("a progress bar between a traceback's lines is read as a bar, not taken for the exception (found by the fuzz suite)", () => {
  const events = parseConsole(
    [
      'Traceback (most recent call last):',
      '  File "train.py", line 1, in <module>',
      'Steps:  50%|█████     | 778/1556 [00:10<00:10,  1.00it/s, lr=0.0001, step_loss=0.5]',
      '    main()',
      'RuntimeError: boom',
      '',
    ].join('\n'),
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'progress').map((e) => e.type === 'progress' && e.step),
    [778],
  );
  const tb = events.find((e) => e.type === 'traceback');
  assert.ok(tb && tb.type === 'traceback');
  assert.equal(tb.traceback.exception, 'RuntimeError: boom');
});

test('tracebacks left open on thousands of ranks are closed oldest first: at most 64 kept open', () => {
  const p = new ConsoleParser();
  let closed = 0;
  for (let rank = 0; rank < 1000; rank++) {
    closed += p
      .push(`[rank${rank}]: Traceback (most recent call last):\n[rank${rank}]:   File "x.py", line 1, in <module>\n`)
      .filter((e) => e.type === 'traceback').length;
  }
  assert.equal(closed, 1000 - 64);
  assert.equal(p.end().filter((e) => e.type === 'traceback').length, 64);
});
