import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agreesAtPrecision,
  epochAverages,
  LossAgreement,
  epochOfStep,
  printedDigits,
  sameLossSeries,
  shownLossSeries,
  significantDigits,
} from '../../src/shared/lossSeries';
import type { Table } from '../../src/shared/stepTime';
import { join } from 'node:path';
import { summarizePath } from '../../src/core/monitor/summarize';
import { seriesLength, seriesPoints, type Series } from '../../src/core/run/series';

const FIX = join(__dirname, '..', 'fixtures', 'real-v0.27.2');

const table = (pts: [number, number][]): Table => ({ xs: pts.map((p) => p[0]), ys: pts.map((p) => p[1]), n: pts.length });
/** What tqdm's postfix prints of a float ('{:.3g}'), read back as a number. */
const printed = (v: number) => Number(v.toPrecision(3));
const f32 = (v: number) => Math.fround(v);

test('significant digits of printed values, and the series precision is the most any value needs', () => {
  assert.equal(significantDigits(1.12), 3);
  assert.equal(significantDigits(0.1), 1);
  assert.equal(significantDigits(1.5e-5), 2);
  assert.equal(
    printedDigits(
      table([
        [1, 0.1],
        [2, 1.12],
        [3, 0.5],
      ]),
    ),
    3,
  );
});

test('an event-file float32 agrees with the console value printed at 3 digits; a different value does not', () => {
  assert.ok(agreesAtPrecision(f32(1.1234567), 1.12, 3));
  assert.ok(agreesAtPrecision(f32(0.0123449), 0.0123, 3));
  assert.ok(agreesAtPrecision(f32(1.125), 1.12, 3), 'a tie printed down');
  assert.ok(!agreesAtPrecision(f32(1.136), 1.12, 3));
  assert.ok(agreesAtPrecision(NaN, NaN, 3));
  assert.ok(!agreesAtPrecision(NaN, 1, 3));
});

test('the same numbers at the printed precision: one series (the one that reached further; the event file on a tie)', () => {
  const full = Array.from({ length: 50 }, (_, i) => [i + 1, f32(0.3 + 0.2 * Math.sin(i / 3) + i * 1e-4)] as [number, number]);
  const consoleLoss = full.map(([s, v]) => [s, printed(v)] as [number, number]);
  assert.ok(sameLossSeries(table(full), table(consoleLoss)));
  assert.deepEqual(shownLossSeries(table(full), table(consoleLoss)), ['train_loss']);
  // The console runs ahead of the event file (flushed every so often): still the same numbers, the console is shown.
  assert.deepEqual(shownLossSeries(table(full.slice(0, 30)), table(consoleLoss)), ['step_loss']);
});

test('different numbers (gradient accumulation: train_loss is the mean, step_loss the last micro-batch) keep both', () => {
  const a = Array.from({ length: 20 }, (_, i) => [i + 1, f32(0.2 + i * 0.01)] as [number, number]);
  const b = a.map(([s, v], i) => [s, printed(v + (i === 7 ? 0.05 : 0))] as [number, number]);
  assert.ok(!sameLossSeries(table(a), table(b)));
  assert.deepEqual(shownLossSeries(table(a), table(b)), ['train_loss', 'step_loss']);
});

test('different steps within the common range keep both; no common step keeps both', () => {
  const a = table([
    [1, 0.5],
    [2, 0.4],
    [3, 0.3],
    [4, 0.2],
  ]);
  assert.ok(
    !sameLossSeries(
      a,
      table([
        [1, 0.5],
        [3, 0.3],
        [4, 0.2],
      ]),
    ),
  );
  assert.ok(
    !sameLossSeries(
      a,
      table([
        [10, 0.5],
        [11, 0.4],
      ]),
    ),
  );
  assert.deepEqual(shownLossSeries(a, undefined), ['train_loss']);
  assert.deepEqual(shownLossSeries(undefined, a), ['step_loss']);
  assert.deepEqual(shownLossSeries(undefined, undefined), []);
});

test('LossAgreement follows growing series point by point, and a difference that arrives later splits them', () => {
  const full = Array.from({ length: 40 }, (_, i) => [i + 1, f32(0.5 - i * 0.003)] as [number, number]);
  const consoleLoss = full.map(([s, v]) => [s, printed(v)] as [number, number]);
  const agreement = new LossAgreement();
  for (let n = 1; n <= 30; n++) assert.ok(agreement.same(table(full.slice(0, n)), table(consoleLoss.slice(0, n + 5))), `n=${n}`);
  consoleLoss[33] = [34, 0.9];
  assert.ok(!agreement.same(table(full), table(consoleLoss)), 'step 34 differs');
  // A rewritten series (a resumed run) is checked again from the start after a reset.
  agreement.reset();
  assert.ok(agreement.same(table(full.slice(0, 33)), table(consoleLoss.slice(0, 33))));
});

test('epochs from steps: steps 1..spe are epoch 0', () => {
  assert.equal(epochOfStep(1, 3), 0);
  assert.equal(epochOfStep(3, 3), 0);
  assert.equal(epochOfStep(4, 3), 1);
  assert.equal(epochOfStep(0, 3), 0);
});

test('epoch averages: the mean per epoch at its last logged step; the epoch under way only once the run has ended', () => {
  const t = table([
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [5, NaN],
    [6, 6],
    [7, 10],
  ]);
  assert.deepEqual(epochAverages(t, 3, false), { xs: [3, 6], ys: [2, 5] });
  assert.deepEqual(epochAverages(t, 3, true), { xs: [3, 6, 7], ys: [2, 5, 10] });
  // A complete last epoch is drawn while running too.
  assert.deepEqual(
    epochAverages(
      table([
        [1, 1],
        [2, 3],
      ]),
      2,
      false,
    ),
    { xs: [2], ys: [2] },
  );
  assert.deepEqual(epochAverages(t, 0, true), { xs: [], ys: [] });
});

test("the real DreamBooth LoRA run (diffusers v0.27.2): the event file's loss and the console's loss=1.12 are one series", async () => {
  const asTable = (s: Series): Table => {
    const p = seriesPoints(s);
    return { xs: p.map((x) => x.step), ys: p.map((x) => x.value), n: p.length };
  };
  for (const which of ['pty', 'pipe']) {
    const events = (await summarizePath(join(FIX, `output-${which}`))).state;
    const consoleLog = (await summarizePath(join(FIX, `console-${which}.log`))).state;
    // DreamBooth logs `loss` to the event files; the dashboard shows it as train_loss (dashboardModel seriesOf).
    const trainLoss = seriesLength(events.loss.train_loss) > 0 ? events.loss.train_loss : events.scalars.loss!;
    const eventFile = asTable(trainLoss);
    const printedLoss = asTable(consoleLog.loss.step_loss);
    assert.equal(eventFile.n, 6, which);
    assert.equal(printedLoss.n, 6, which);
    assert.ok(sameLossSeries(eventFile, printedLoss), which);
    assert.deepEqual(shownLossSeries(eventFile, printedLoss), ['train_loss'], which);
  }
});
