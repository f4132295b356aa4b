// CLIP scores of a run's validation images (issue 12, part D): the scores file's line format, which images still need
// a score, the reducer, the series, the drop rule, the dashboard model, and the source that follows the file (good,
// bad and unfinished lines; the file truncated, replaced or deleted while followed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import type { ClipImageScore, RunEvent } from '../../src/core/run/events';
import type { RunState } from '../../src/core/run/state';
import { seriesPoints } from '../../src/core/run/series';
import {
  CLIP_SERIES,
  CLIP_TEST_SERIES,
  clipDrop,
  clipDropMessage,
  clipImageSeries,
  clipSeriesOf,
  clipValidations,
  validationStep,
} from '../../src/core/run/clipScores';
import {
  clipScoresPath,
  formatClipScoreLine,
  imageKeyOf,
  imagesToScore,
  MAX_IMAGE_INDEX,
  parseClipScoreLine,
  validationPromptOf,
} from '../../src/core/worker/clipScoreFile';
import { ClipScoresSource } from '../../src/core/monitor/sources/clipScores';
import { OneShotContext } from '../../src/core/monitor/oneShot';
import { RunDeltaTracker, runView, type RunMeta } from '../../src/core/view/dashboardModel';
import { summarizePath } from '../../src/core/monitor/summarize';
import { summaryText } from '../../src/cli/summarize';
import { main } from '../../src/cli';
import { CLIP_CHART_SERIES, STEP_CHARTS, checkHostMessage } from '../../src/shared/dashboardProtocol';

const M = 'clip-test-model@1';
const img = (tag: string, epoch: number, i: number) => `/cache/r1/${tag}-${epoch}-0123456789/${i}.png`;
const key = (tag: string, epoch: number, i: number) => `${tag}-${epoch}-0123456789/${i}.png`;

/** 20 examples, batch 2: 10 steps per epoch, 30 steps; validations at epochs `epochs`, two images each. */
function run(epochs: number[], extra: RunEvent[] = []): RunState {
  const events: RunEvent[] = [
    { type: 'runInfo', script: 'dreambooth-lora', args: { validation_prompt: 'a photo of sks dog', num_validation_images: 2 } },
    { type: 'banner', numExamples: 20, batchSize: 2, totalBatchSize: 2, gradAccum: 1, numEpochs: 3, totalSteps: 30 },
  ];
  for (const e of epochs)
    events.push({ type: 'validationImages', tag: 'validation', epoch: e, images: [{ ref: img('validation', e, 0) }, { ref: img('validation', e, 1) }] });
  return reduceAll([...events, ...extra]);
}

const score = (tag: string, epoch: number, index: number, value: number, model = M): ClipImageScore => ({
  key: key(tag, epoch, index),
  tag,
  epoch,
  index,
  score: value,
  model,
});

test('a line is written and read back as the same score; the step is optional', () => {
  const c: ClipImageScore = { ...score('validation', 2, 1, 27.3125), step: 30 };
  const line = formatClipScoreLine(c);
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  assert.deepEqual(JSON.parse(line), { ref: c.key, tag: 'validation', epoch: 2, step: 30, index: 1, score: 27.3125, model: M });
  assert.deepEqual(parseClipScoreLine(line.trim()), c);
  const last = score('validation', 0, MAX_IMAGE_INDEX, 20);
  assert.deepEqual(parseClipScoreLine(formatClipScoreLine(last).trim()), last);
  const noStep = score('test', 2, 0, 20);
  assert.deepEqual(parseClipScoreLine(formatClipScoreLine(noStep).trim()), noStep);
});

test('a bad line says what is wrong with it', () => {
  const good = JSON.parse(formatClipScoreLine(score('validation', 0, 0, 20))) as Record<string, unknown>;
  const cases: Array<[string, RegExp]> = [
    ['{"ref":', /not JSON/],
    ['[1,2]', /not a JSON object/],
    [JSON.stringify({ ...good, ref: '' }), /"ref"/],
    [JSON.stringify({ ...good, epoch: -1 }), /"epoch"/],
    [JSON.stringify({ ...good, step: 1.5 }), /"step"/],
    [JSON.stringify({ ...good, index: 'a' }), /"index"/],
    // Found by the clip-scores fuzz suite: the views keep scores in an array by image index, and one line with index
    // 100,000,000 made clipSeriesOf walk 100 million slots (11 s on the extension host; 2 ** 32 - 2: minutes).
    [JSON.stringify({ ...good, index: 100_000_000 }), /"index"/],
    [JSON.stringify({ ...good, index: 2 ** 32 - 2 }), /"index"/],
    [JSON.stringify({ ...good, index: MAX_IMAGE_INDEX + 1 }), /"index"/],
    [JSON.stringify({ ...good, score: 101 }), /"score"/],
    [JSON.stringify({ ...good, score: null }), /"score"/],
    [JSON.stringify({ ...good, model: 3 }), /"model"/],
  ];
  for (const [line, why] of cases) {
    const r = parseClipScoreLine(line);
    assert.ok('error' in r, line);
    assert.match(r.error, why, line);
  }
});

test('an image key is its grid folder and file name; a summary reference to an event record has none', () => {
  assert.equal(imageKeyOf('/ws/.sdxl/images/r1/r1/validation-3-abcdef0123/0.png'), 'validation-3-abcdef0123/0.png');
  assert.equal(imageKeyOf('/logs/events.out.tfevents.1#1234'), undefined);
  assert.equal(imageKeyOf('relative/0.png'), undefined);
  assert.equal(clipScoresPath('/ws/.sdxl/images', 'r1'), '/ws/.sdxl/images/r1/clip-scores.jsonl');
});

test('what needs a score: images with no line of this model, not pending, with the validation step', () => {
  const s0 = run([0, 1]);
  assert.equal(validationPromptOf(s0), 'a photo of sks dog');
  const all = imagesToScore(s0, M);
  assert.deepEqual(
    all.map((i) => `${i.line.key}@${i.line.step}`),
    [key('validation', 0, 0) + '@10', key('validation', 0, 1) + '@10', key('validation', 1, 0) + '@20', key('validation', 1, 1) + '@20'],
  );
  assert.equal(all[0]!.path, img('validation', 0, 0));
  const s1 = reduce(s0, { type: 'clipScores', scores: [score('validation', 0, 0, 30), score('validation', 0, 1, 31)] });
  assert.deepEqual(
    imagesToScore(s1, M, new Set([key('validation', 1, 0)])).map((i) => i.line.key),
    [key('validation', 1, 1)],
  );
  // Another model: everything again (its lines are not this model's).
  assert.equal(imagesToScore(s1, 'other-model').length, 4);
  // A summary's references to event records are not files to score.
  const summary = reduce(run([]), { type: 'validationImages', tag: 'validation', epoch: 0, images: [{ ref: '/logs/events#5' }] });
  assert.deepEqual(imagesToScore(summary, M), []);
});

test('the reducer: the newest line of an image wins; another model starts afresh (never mixed); a reset forgets', () => {
  let s = run([0]);
  s = reduce(s, { type: 'clipScores', scores: [score('validation', 0, 0, 10), score('validation', 0, 1, 20)] });
  s = reduce(s, { type: 'clipScores', scores: [score('validation', 0, 0, 12)] });
  assert.equal(s.clip.model, M);
  assert.deepEqual(
    s.clip.scores.map((c) => c.score),
    [20, 12],
  );
  const other = reduce(s, { type: 'clipScores', scores: [score('validation', 0, 1, 25, 'other')] });
  assert.equal(other.clip.model, 'other');
  assert.deepEqual(
    other.clip.scores.map((c) => c.score),
    [25],
  );
  assert.equal(s.clip.scores.length, 2, 'the earlier state is untouched');
  const reset = reduce(other, { type: 'clipScores', scores: [], reset: true });
  assert.deepEqual(reset.clip, { model: null, scores: [] });
});

test('the series: the mean per validation at its step, each image across validations, the test images apart', () => {
  let s = run([0, 1, 2], [{ type: 'validationImages', tag: 'test', epoch: 2, images: [{ ref: img('test', 2, 0) }] }]);
  s = reduce(s, {
    type: 'clipScores',
    scores: [
      score('validation', 1, 0, 30),
      score('validation', 1, 1, 32),
      score('validation', 0, 0, 20),
      score('validation', 0, 1, 24),
      { ...score('validation', 2, 0, 26), step: 29 },
      score('test', 2, 0, 40),
    ],
  });
  assert.equal(validationStep(s, 'validation', 0), 10);
  assert.equal(validationStep(s, 'test', 2), 30);
  const series = clipSeriesOf(s);
  assert.deepEqual(
    seriesPoints(series[CLIP_SERIES]!).map((p) => [p.step, p.value]),
    [
      [10, 22],
      [20, 31],
      [29, 26],
    ],
  );
  assert.deepEqual(
    seriesPoints(series[clipImageSeries(1)]!).map((p) => [p.step, p.value]),
    [
      [10, 24],
      [20, 32],
    ],
  );
  assert.deepEqual(
    seriesPoints(series[CLIP_TEST_SERIES]!).map((p) => [p.step, p.value]),
    [[30, 40]],
  );
  assert.equal(clipSeriesOf(s), series, 'the same scores give the same series without rebuilding them');
  // Every series the core makes is one the chart draws.
  for (const name of Object.keys(series)) assert.ok(CLIP_CHART_SERIES.includes(name), name);
  assert.ok(STEP_CHARTS.some((c) => c.id === 'clip' && c.seriesNames.includes(CLIP_SERIES)));
  assert.deepEqual(clipSeriesOf(run([0])), {});
});

function withMeans(means: number[]): RunState {
  const s = run(means.map((_, e) => e));
  const scores = means.flatMap((m, e) => [score('validation', e, 0, m - 1), score('validation', e, 1, m + 1)]);
  return reduce(s, { type: 'clipScores', scores });
}

test('the drop rule: the newest validation more than 10% below the best before it, after at least 3 validations', () => {
  assert.equal(clipDrop(withMeans([30, 20])), undefined, 'two validations are too few');
  assert.equal(clipDrop(withMeans([30, 31, 28])), undefined, '10% or less is noise');
  assert.equal(clipDrop(withMeans([30, 31, 28.5])), undefined);
  assert.equal(clipDrop(withMeans([30, 25, 31, 32])), undefined, 'an earlier dip that recovered is not warned of');
  const d = clipDrop(withMeans([28, 31, 27.8]));
  assert.ok(d);
  assert.equal(d.best.epoch, 1);
  assert.equal(d.latest.epoch, 2);
  assert.equal(clipDropMessage(d), 'CLIP score fell from 31.0 at step 20 to 27.8 at step 30: the model may be overfitting or forgetting the prompt');
  // A scored test image does not count as a validation.
  assert.equal(clipValidations(withMeans([30, 31, 27])).filter((v) => v.tag === 'validation').length, 3);
});

const meta: RunMeta = { id: 'r1', label: 'dog', simulated: true, imageUri: (p) => ({ uri: `vscode-webview://x${p}` }) };

test('the dashboard: the CLIP chart series, a score on each scored image, the drop as a notice; deltas append', () => {
  const s0 = run([0, 1, 2]);
  const tracker = new RunDeltaTracker();
  const v0 = tracker.full(s0, meta);
  assert.equal(v0.series[CLIP_SERIES], undefined);
  assert.equal(v0.notices, undefined);
  let s = reduce(s0, { type: 'clipScores', scores: [score('validation', 0, 0, 30), score('validation', 0, 1, 32)] });
  const d1 = tracker.delta(s, meta);
  assert.deepEqual(d1?.appendSeries?.[CLIP_SERIES], [[10, 31]]);
  assert.deepEqual(
    d1?.gallery?.map((g) => g.clipScore),
    [30, 32, undefined, undefined, undefined, undefined],
  );
  assert.equal(checkHostMessage(d1!), undefined);
  s = reduce(s, {
    type: 'clipScores',
    scores: [score('validation', 1, 0, 31), score('validation', 1, 1, 31), score('validation', 2, 0, 20), score('validation', 2, 1, 22)],
  });
  const d2 = tracker.delta(s, meta);
  assert.deepEqual(d2?.appendSeries?.[CLIP_SERIES], [
    [20, 31],
    [30, 21],
  ]);
  assert.match(d2?.notices?.[0] ?? '', /^CLIP score fell from 31\.0 at step 10 to 21\.0 at step 30/);
  const v = runView(s, meta);
  assert.equal(checkHostMessage({ type: 'runData', run: v }), undefined);
  assert.equal(v.gallery.find((g) => g.epoch === 2 && g.index === 1)?.clipScore, 22);
  assert.equal(tracker.delta(s, meta), undefined, 'nothing new, nothing sent');
});

// ---- the source ----

function withTemp(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clip-src-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function follower(cacheDir: string, end = false) {
  const ctx = new OneShotContext(
    { imageCacheDir: cacheDir },
    {
      launch: { id: 'r1', argv: [], args: {}, outputDir: '/nowhere', cwd: '/', env: {}, record: {} },
      ...(end ? { end: { code: 0, signal: null, stopRequested: false } } : {}),
    },
    undefined,
  );
  const source = new ClipScoresSource();
  return { ctx, poll: async () => source.poll(ctx) };
}

const line = (c: ClipImageScore) => formatClipScoreLine(c);

test(
  'the source reads whole lines as they come; bad lines are one notice, never a throw; an unfinished line waits',
  withTemp(async (dir) => {
    const file = clipScoresPath(dir, 'r1');
    const { ctx, poll } = follower(dir);
    assert.equal(await poll(), false, 'no file yet');
    mkdirSync(join(dir, 'r1'));
    writeFileSync(file, line(score('validation', 0, 0, 20)) + 'garbage\n\n' + '{"ref":"x/0.png"}\n' + line(score('validation', 0, 1, 22)).slice(0, 20));
    await poll();
    assert.deepEqual(
      ctx.state.clip.scores.map((c) => c.score),
      [20],
    );
    assert.equal(ctx.state.notices.length, 1);
    assert.match(ctx.state.notices[0]!, /clip-scores\.jsonl: 2 lines that are no CLIP score skipped \(line 2: not JSON; line 4: "tag" is not a text\)/);
    // The rest of the unfinished line arrives.
    appendFileSync(file, line(score('validation', 0, 1, 22)).slice(20));
    await poll();
    assert.deepEqual(
      ctx.state.clip.scores.map((c) => c.score),
      [20, 22],
    );
    assert.equal(ctx.state.notices.length, 1, 'nothing new to say');
  }),
);

test(
  'the source: a file truncated or replaced is read again from its start; a deleted one takes its scores away',
  withTemp(async (dir) => {
    const file = clipScoresPath(dir, 'r1');
    mkdirSync(join(dir, 'r1'));
    const { ctx, poll } = follower(dir);
    writeFileSync(file, line(score('validation', 0, 0, 20)) + line(score('validation', 0, 1, 22)));
    await poll();
    assert.equal(ctx.state.clip.scores.length, 2);
    // Truncated (a user emptied it, or rewrote it shorter).
    truncateSync(file, 0);
    appendFileSync(file, line(score('validation', 1, 0, 25)));
    await poll();
    assert.deepEqual(
      ctx.state.clip.scores.map((c) => c.key),
      [key('validation', 1, 0)],
    );
    // Replaced by a longer file (another inode): read from its start, nothing skipped.
    writeFileSync(file + '.new', line(score('validation', 0, 0, 20)) + line(score('validation', 0, 1, 22)) + line(score('validation', 1, 0, 26)));
    renameSync(file + '.new', file);
    await poll();
    assert.deepEqual(
      ctx.state.clip.scores.map((c) => c.score),
      [20, 22, 26],
    );
    // Deleted while followed.
    rmSync(file);
    await poll();
    assert.equal(ctx.state.clip.scores.length, 0);
    // Written again.
    writeFileSync(file, line(score('validation', 0, 0, 21)));
    await poll();
    assert.deepEqual(
      ctx.state.clip.scores.map((c) => c.score),
      [21],
    );
    assert.deepEqual(ctx.state.notices, []);
  }),
);

test(
  'the source: a one-shot read of an ended run takes an unfinished last line; no image folder, no read',
  withTemp(async (dir) => {
    const file = clipScoresPath(dir, 'r1');
    mkdirSync(join(dir, 'r1'));
    writeFileSync(file, line(score('validation', 0, 0, 20)) + line(score('validation', 0, 1, 22)).trimEnd());
    const { ctx, poll } = follower(dir, true);
    await poll();
    assert.equal(ctx.state.clip.scores.length, 2);
    const none = follower('');
    assert.equal(await none.poll(), false);
    assert.equal(none.ctx.state.clip.scores.length, 0);
  }),
);

test(
  '`summarize` and `run show --json` of a workspace record carry its CLIP scores, and summarize warns of a drop',
  withTemp(async (root) => {
    const recordDir = join(root, '.sdxl', 'runs', 'r1');
    mkdirSync(recordDir, { recursive: true });
    const argv = ['accelerate', 'launch', 'train_dreambooth_lora_sdxl.py', '--output_dir', join(root, 'out'), '--validation_prompt', 'a dog'];
    writeFileSync(
      join(recordDir, 'run.json'),
      JSON.stringify({
        id: 'r1',
        name: 'dog',
        state: 'succeeded',
        exitCode: 0,
        createdAt: '2026-01-01T00:00:00Z',
        plan: { cwd: root, script: 'dreambooth-lora', argv, env: {} },
      }),
    );
    writeFileSync(join(recordDir, 'console.log'), '');
    mkdirSync(join(root, '.sdxl', 'images', 'r1', 'r1'), { recursive: true });
    const lines = [30, 33, 25].flatMap((m, e) => [
      { ...score('validation', e, 0, m - 1), step: (e + 1) * 10 },
      { ...score('validation', e, 1, m + 1), step: (e + 1) * 10 },
    ]);
    writeFileSync(clipScoresPath(join(root, '.sdxl', 'images'), 'r1'), lines.map(line).join(''));
    const r = await summarizePath(recordDir);
    assert.equal(r.summary.clip?.model, M);
    assert.deepEqual(
      r.summary.clip?.validations.map((v) => [v.epoch, v.step, v.mean, v.scores]),
      [
        [1, 10, 30, [29, 31]],
        [2, 20, 33, [32, 34]],
        [3, 30, 25, [24, 26]],
      ],
    );
    assert.equal(r.summary.clip?.drop, 'CLIP score fell from 33.0 at step 20 to 25.0 at step 30: the model may be overfitting or forgetting the prompt');
    const text = summaryText(r.summary, r.source);
    assert.match(text, /^CLIP score: +step 10 30\.0, step 20 33\.0, step 30 25\.0 \(mean per validation; clip-test-model@1\)$/m);
    assert.match(text, /^warning: +CLIP score fell from 33\.0 at step 20/m);
    // run show: the same summary, with the id.
    const out: string[] = [];
    const code = await main(['run', 'show', 'r1', '--json', '--workspace', root], {
      out: (t) => out.push(t),
      err: () => undefined,
      readStdin: async () => '',
      cwd: root,
    });
    assert.equal(code, 0);
    const shown = JSON.parse(out.join('')) as { clip: { validations: unknown[]; drop: string } };
    assert.equal(shown.clip.validations.length, 3);
    assert.match(shown.clip.drop, /^CLIP score fell/);
  }),
);
