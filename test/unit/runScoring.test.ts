// The service that scores runs' validation images (src/extension/clip/runScoring.ts) against a fake scorer: what it
// appends to the run's scores file, and that it scores each image once per model, in batches, never an unreadable
// image twice, nothing while disabled, and asks for a declined model only once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import type { RunState } from '../../src/core/run/state';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { clipScoresPath, parseClipScoreLine } from '../../src/core/worker/clipScoreFile';
import { RunScoring, type ScoredRun } from '../../src/extension/clip/runScoring';
import type { ClipImageScore } from '../../src/core/run/events';

function withTemp(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clip-svc-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function state(epochs: number, prompt = 'a dog'): RunState {
  return reduceAll([
    { type: 'runInfo', script: 'dreambooth-lora', args: prompt ? { validation_prompt: prompt } : {} },
    { type: 'banner', numExamples: 20, batchSize: 2, totalBatchSize: 2, gradAccum: 1, numEpochs: 3, totalSteps: 30 },
    ...Array.from({ length: epochs }, (_, e) => ({
      type: 'validationImages' as const,
      tag: 'validation',
      epoch: e,
      images: [0, 1, 2].map((i) => ({ ref: `/cache/r1/validation-${e}-0123456789/${i}.png` })),
    })),
  ]);
}

class FakeScorer implements ImageTextScorer {
  calls: Array<{ images: readonly string[]; text: string }> = [];
  bad = new Set<string>();
  /** An error of the model itself (naming no image). */
  broken: string | undefined;
  async score(images: readonly string[], text: string): Promise<number[]> {
    this.calls.push({ images, text });
    if (this.broken) throw new Error(this.broken);
    const bad = images.find((i) => this.bad.has(i));
    if (bad) throw new Error(`${bad}: cannot read the image`);
    return images.map((i) => Number(/(\d)\.png$/.exec(i)![1]) + 20);
  }
  async scorePairs(): Promise<number[]> {
    return [];
  }
  async dispose(): Promise<void> {}
}

function harness(run: ScoredRun, opts: { enabled?: () => boolean; batch?: number } = {}) {
  const scorer = new FakeScorer();
  let model = 'model-a';
  let asked = 0;
  let give = true;
  const logs: string[] = [];
  const runs = [run];
  const scoring = new RunScoring({
    runs: () => runs,
    enabled: opts.enabled ?? (() => true),
    clip: {
      modelId: () => model,
      scorer: async () => {
        asked++;
        return give ? scorer : undefined;
      },
    },
    log: (m) => logs.push(m),
    batch: opts.batch ?? 4,
  });
  const file = clipScoresPath(run.imageDir, run.id);
  const lines = (): ClipImageScore[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const p = parseClipScoreLine(l);
            assert.ok(!('error' in p), l);
            return p;
          })
      : [];
  /** The monitor reads the file back into the run's state (what the clipScores source does). */
  const readBack = () => {
    run.state = reduce(run.state, { type: 'clipScores', scores: lines(), reset: true });
  };
  const pass = async () => {
    scoring.update();
    await scoring.idle();
  };
  return {
    scorer,
    scoring,
    logs,
    lines,
    readBack,
    pass,
    setModel: (m: string) => (model = m),
    decline: () => (give = false),
    asked: () => asked,
  };
}

test(
  'scores each image once against the validation prompt, in batches, and appends one line per image',
  withTemp(async (dir) => {
    const run: ScoredRun = { id: 'r1', state: state(2), imageDir: dir };
    const h = harness(run);
    await h.pass();
    assert.deepEqual(
      h.scorer.calls.map((c) => c.images.length),
      [4, 2],
    );
    assert.ok(h.scorer.calls.every((c) => c.text === 'a dog'));
    const lines = h.lines();
    assert.deepEqual(
      lines.map((l) => [l.key, l.epoch, l.step, l.index, l.score, l.model]),
      [0, 1].flatMap((e) => [0, 1, 2].map((i) => [`validation-${e}-0123456789/${i}.png`, e, (e + 1) * 10, i, 20 + i, 'model-a'])),
    );
    // Not read back by the monitor yet: nothing is scored twice.
    await h.pass();
    assert.equal(h.scorer.calls.length, 2);
    h.readBack();
    await h.pass();
    assert.equal(h.scorer.calls.length, 2);
    // A new validation: only its images.
    run.state = reduce(run.state, {
      type: 'validationImages',
      tag: 'validation',
      epoch: 2,
      images: [{ ref: '/cache/r1/validation-2-0123456789/0.png' }],
    });
    await h.pass();
    assert.deepEqual(h.scorer.calls.at(-1)?.images, ['/cache/r1/validation-2-0123456789/0.png']);
    assert.equal(h.lines().length, 7);
  }),
);

test(
  'a new model scores everything again into new lines, the old ones kept; a declined model is not asked again',
  withTemp(async (dir) => {
    const run: ScoredRun = { id: 'r1', state: state(1), imageDir: dir };
    const h = harness(run);
    await h.pass();
    h.readBack();
    h.setModel('model-b');
    await h.pass();
    const models = h.lines().map((l) => l.model);
    assert.deepEqual(models, ['model-a', 'model-a', 'model-a', 'model-b', 'model-b', 'model-b']);
    h.readBack();
    assert.equal(run.state.clip.model, 'model-b');
    h.setModel('model-c');
    h.decline();
    const asked = h.asked();
    await h.pass();
    await h.pass();
    assert.equal(h.asked(), asked + 1, 'asked once for the declined model');
    assert.equal(h.lines().length, 6);
  }),
);

test(
  'an unreadable image is logged and skipped, the rest of its batch still scored; disabled or no prompt: nothing',
  withTemp(async (dir) => {
    const run: ScoredRun = { id: 'r1', state: state(1), imageDir: dir };
    const h = harness(run);
    h.scorer.bad.add('/cache/r1/validation-0-0123456789/1.png');
    await h.pass();
    assert.deepEqual(
      h.lines().map((l) => l.index),
      [0, 2],
    );
    assert.equal(h.logs.length, 1);
    assert.match(h.logs[0]!, /Run r1: cannot CLIP-score \/cache\/r1\/validation-0-0123456789\/1\.png: .*cannot read the image/);
    const calls = h.scorer.calls.length;
    h.readBack();
    await h.pass();
    assert.equal(h.scorer.calls.length, calls, 'not tried again');

    let on = false;
    const off = harness({ id: 'r2', state: state(1), imageDir: dir }, { enabled: () => on });
    await off.pass();
    assert.equal(off.scorer.calls.length, 0);
    assert.equal(off.asked(), 0, 'the model is not even loaded');
    on = true;
    await off.pass();
    assert.equal(off.scorer.calls.length, 1);
    const noPrompt = harness({ id: 'r3', state: state(1, ''), imageDir: dir });
    await noPrompt.pass();
    assert.equal(noPrompt.asked(), 0);
  }),
);

test(
  'an error of the model (naming no image) stops scoring once, logged once, until retry()',
  withTemp(async (dir) => {
    const run: ScoredRun = { id: 'r1', state: state(2), imageDir: dir };
    const h = harness(run);
    h.scorer.broken = 'The CLIP model Xenova/clip-vit-base-patch32 is not downloaded (declined)';
    await h.pass();
    await h.pass();
    assert.equal(h.scorer.calls.length, 1);
    assert.deepEqual(h.logs, ['CLIP scoring of validation images stopped: The CLIP model Xenova/clip-vit-base-patch32 is not downloaded (declined)']);
    assert.deepEqual(h.lines(), []);
    h.scorer.broken = undefined;
    h.scoring.retry();
    await h.scoring.idle();
    assert.equal(h.lines().length, 6);
  }),
);
