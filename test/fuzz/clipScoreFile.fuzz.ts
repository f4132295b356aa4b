// Fuzz: the lines of a run's CLIP scores file (core/worker/clipScoreFile.ts parseClipScoreLine), then the reducer and
// the views that take what it accepts (run/clipScores.ts). Inputs: a file's worth of lines each case: lines the
// writer makes (formatClipScoreLine of random scores), their JSON mutated (wrong types, NaN-ish and huge numbers,
// scores just outside [0, 100], giant texts and indices, extra and `__proto__` keys), their text cut or spliced, and
// random strings.
// Properties: the parser never throws; a refusal says why; an accepted line has exactly the fields of a score, texts
// of 1 to 1000 characters, counts that are safe integers >= 0 (the index at most MAX_IMAGE_INDEX), a finite score in
// [0, 100], and formats back to a line that parses the same; a written line is accepted as it was; the accepted
// lines reduced into a run give validations whose means and series values are finite and in [0, 100].
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipDrop, clipSeriesOf, clipValidations } from '../../src/core/run/clipScores';
import type { ClipImageScore } from '../../src/core/run/events';
import { reduceAll } from '../../src/core/run/reducer';
import { seriesPoints } from '../../src/core/run/series';
import { formatClipScoreLine, MAX_IMAGE_INDEX, parseClipScoreLine } from '../../src/core/worker/clipScoreFile';
import { runFuzz, type Rng } from './fuzzKit';

const MODELS = ['openai/clip-vit-base-patch32@onnx', 'tiny-clip', 'm'];
const TAGS = ['validation', 'test', 'validation', 'x'];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  100,
  100.00000000000001,
  99.99999999999999,
  -1e-300,
  1e-320,
  2 ** 53 - 1,
  2 ** 53,
  1e21,
  1_000_000,
  MAX_IMAGE_INDEX,
  MAX_IMAGE_INDEX + 1,
];
const WEIRD_JSON = ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '0x10', '1_000', '"27.5"', 'null', 'true', '[]', '{}', '-0', '1.0', '1e2', '00'];
const FIELDS = ['ref', 'tag', 'epoch', 'step', 'index', 'score', 'model', '__proto__', 'constructor', 'key', ''];

function score(rng: Rng): ClipImageScore {
  const c: ClipImageScore = {
    key: rng.chance(0.8)
      ? `validation-${rng.int(50)}-${rng.string(10, '0123456789abcdef')}/${rng.int(8)}.png`
      : rng.string(rng.between(1, rng.chance(0.05) ? 1000 : 40)),
    tag: rng.pick(TAGS),
    epoch: rng.chance(0.9) ? rng.int(100) : rng.pick([0, 2 ** 31, 2 ** 53 - 1]),
    index: rng.chance(0.9) ? rng.int(8) : rng.pick([0, MAX_IMAGE_INDEX]),
    score: rng.chance(0.8) ? (rng.u32() / 2 ** 32) * 100 : rng.pick([0, 100, 1e-320, 99.99999999999999, 35]),
    model: rng.pick(MODELS),
  };
  if (rng.chance(0.7)) c.step = rng.chance(0.9) ? rng.int(100_000) : 2 ** 53 - 1;
  return c;
}

function anyJson(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NUMBERS);
    case 3:
      return rng.string(rng.size(20));
    case 4:
      return rng.chance(0.5) ? '' : 'x'.repeat(rng.pick([1000, 1001, 5000]));
    case 5:
      return Array.from({ length: rng.size(4) }, () => anyJson(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.size(4) }, () => [rng.pick(FIELDS), anyJson(rng, depth + 1)]));
  }
}

interface Line {
  text: string;
  /** Written by formatClipScoreLine and left alone: must be accepted as this score. */
  written?: ClipImageScore;
}

function mutateText(rng: Rng, t: string): string {
  const at = rng.int(t.length + 1);
  switch (rng.int(4)) {
    case 0:
      return t.slice(0, at);
    case 1:
      return t.slice(0, at) + t.slice(at + rng.size(10));
    case 2: {
      // A field's value swapped for a raw JSON token: `"score":NaN`, `"index":1e999`.
      const field = rng.pick(['epoch', 'step', 'index', 'score']);
      return t.replace(new RegExp(`"${field}":[^,}]*`), `"${field}":${rng.pick(WEIRD_JSON)}`);
    }
    default:
      return t.slice(0, at) + rng.string(rng.size(6)) + t.slice(at);
  }
}

function line(rng: Rng): Line {
  const c = score(rng);
  const text = formatClipScoreLine(c).trim();
  const r = rng.int(10);
  if (r < 4) return { text, written: c };
  if (r < 7) {
    const o = JSON.parse(text) as Record<string, unknown>;
    for (let m = rng.between(1, 3); m > 0; m--) {
      const k = rng.pick(FIELDS);
      if (rng.chance(0.2)) delete o[k];
      else o[k] = anyJson(rng);
    }
    return { text: JSON.stringify(o) };
  }
  if (r < 9) return { text: mutateText(rng, text) };
  return { text: rng.chance(0.5) ? rng.string(rng.size(200)) : JSON.stringify(anyJson(rng)) };
}

const SCORE_KEYS = new Set(['key', 'tag', 'epoch', 'step', 'index', 'score', 'model']);
const isText = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= 1000;
const isCount = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const inRange = (v: number) => Number.isFinite(v) && v >= 0 && v <= 100;

/** A banner, so the views can work out each validation's step. */
const BANNER = { type: 'banner', numExamples: 20, batchSize: 2, totalBatchSize: 2, gradAccum: 1, numEpochs: 3, totalSteps: 30 } as const;

test('fuzz: CLIP scores file lines', async () => {
  let accepted = 0;
  let lines = 0;
  await runFuzz<Line[]>({
    name: 'clip-scores',
    file: 'test/fuzz/clipScoreFile.fuzz.ts',
    seconds: 90,
    generate: (rng) => Array.from({ length: rng.between(1, 12) }, () => line(rng)),
    check: (input) => {
      const scores: ClipImageScore[] = [];
      for (const l of input) {
        lines++;
        const r = parseClipScoreLine(l.text);
        if ('error' in r) {
          assert.ok(typeof r.error === 'string' && r.error.length > 0, 'a refusal says why');
          assert.equal(l.written, undefined, `a written line was refused: ${r.error}`);
          continue;
        }
        accepted++;
        for (const k of Object.keys(r)) assert.ok(SCORE_KEYS.has(k), `no field ${k} in a score`);
        assert.ok(isText(r.key) && isText(r.tag) && isText(r.model), 'texts of 1 to 1000 characters');
        assert.ok(isCount(r.epoch) && isCount(r.index) && (r.step === undefined || isCount(r.step)), 'counts are safe integers >= 0');
        assert.ok(r.index <= MAX_IMAGE_INDEX, `index ${r.index} at most ${MAX_IMAGE_INDEX}`);
        assert.ok(typeof r.score === 'number' && inRange(r.score), `score ${r.score} in [0, 100]`);
        if (l.written) assert.deepEqual(r, l.written, 'a written line reads back as it was written');
        const again = parseClipScoreLine(formatClipScoreLine(r).trim());
        assert.ok(!('error' in again), 'an accepted score formats to an accepted line');
        assert.equal(formatClipScoreLine(again), formatClipScoreLine(r), 'and to the same line again');
        scores.push(r);
      }
      if (scores.length === 0) return;
      // What the monitor does with them: one clipScores event, folded by the reducer; then what the views derive.
      const s = reduceAll([BANNER, { type: 'clipScores', scores }]);
      assert.ok(s.clip.scores.length >= 1 && s.clip.scores.length <= scores.length);
      for (const v of clipValidations(s)) {
        assert.ok(inRange(v.mean), `mean ${v.mean} of ${v.tag} epoch ${v.epoch}`);
        assert.ok(v.step === undefined || isCount(v.step), `step ${v.step}`);
        assert.ok(v.scores.length <= MAX_IMAGE_INDEX + 1, 'scores by index stay small');
      }
      for (const [name, series] of Object.entries(clipSeriesOf(s)))
        for (const p of seriesPoints(series)) assert.ok(inRange(p.value) && Number.isFinite(p.step), `${name}: ${p.step} ${p.value}`);
      clipDrop(s);
    },
    sizeOf: (input) => input.reduce((n, l) => n + Buffer.byteLength(l.text), 0),
    describe: (input) => JSON.stringify(input.map((l) => l.text)).slice(0, 600),
  });
  // Both sides of the parser were exercised.
  assert.ok(accepted > lines / 10 && accepted < lines, `${accepted} of ${lines} lines accepted`);
});
