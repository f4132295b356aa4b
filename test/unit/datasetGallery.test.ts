// The Preview Dataset gallery model (core/view/datasetGallery.ts) and the check's summary (datasetSummary.ts):
// filtering to problems or one code, paging, findings attached to their images, folder-level findings apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetGallery, MAX_OTHER_FINDINGS, relativeName } from '../../src/core/view/datasetGallery';
import { datasetSummaryMarkdown, findingCounts } from '../../src/core/view/datasetSummary';
import { seededRandom } from '../../src/core/view/seededRandom';
import { checkDatasetHostMessage } from '../../src/shared/datasetProtocol';
import type { DatasetFinding, DatasetImage, DatasetReport } from '../../src/core/dataset/types';

const DIR = '/data/set';

function report(n: number, problemEvery = 0, extra: DatasetFinding[] = []): DatasetReport {
  const images: DatasetImage[] = [];
  const findings: DatasetFinding[] = [...extra];
  for (let i = 0; i < n; i++) {
    const file = `${DIR}/img${i}.png`;
    const bad = problemEvery > 0 && i % problemEvery === 0;
    const code = i % (2 * problemEvery) === 0 ? 'too-small' : 'no-caption';
    images.push({ file, role: 'train', width: 64, height: 64, format: 'png', caption: bad ? null : `caption ${i}`, codes: bad ? [code] : [] });
    if (bad) findings.push({ code, severity: 'warning', file, message: `${code} here` });
  }
  return {
    source: { kind: 'imagefolder', dir: DIR, imageColumn: 'image', captionColumn: 'text' },
    resolution: 1024,
    images,
    findings,
    summary: {
      images: n,
      errors: 0,
      warnings: findings.length,
      infos: 0,
      resolution: { labels: ['<512'], counts: [n] },
      aspect: { labels: ['1:1'], counts: [n] },
    },
  };
}

const opts = { title: 't', target: `${DIR}/x.sdxl.json`, centerCrop: false, randomFlip: true };

test('pages cut the whole gallery in order, the last one short', () => {
  const g = new DatasetGallery(report(10_000), opts);
  const first = g.page({ problemsOnly: false }, 0, 60);
  assert.equal(first.total, 10_000);
  assert.equal(first.items.length, 60);
  assert.deepEqual(
    first.items.slice(0, 2).map((i) => i.index),
    [0, 1],
  );
  const last = g.page({ problemsOnly: false }, 9_960, 60);
  assert.equal(last.items.length, 40);
  assert.equal(last.items.at(-1)!.index, 9_999);
});

test('an offset past the end (the filter shrank the list) gives the last page; an unaligned one snaps to its page', () => {
  const g = new DatasetGallery(report(100), opts);
  assert.equal(g.page({ problemsOnly: false }, 5_000, 30).offset, 90);
  assert.equal(g.page({ problemsOnly: false }, 45, 30).offset, 30);
  const empty = new DatasetGallery(report(0), opts).page({ problemsOnly: true }, 60, 30);
  assert.deepEqual(empty, { offset: 0, total: 0, items: [] });
});

test('"problems only" keeps the images with findings, a code keeps those with that code', () => {
  const g = new DatasetGallery(report(100, 10), opts);
  const problems = g.page({ problemsOnly: true }, 0, 200);
  assert.deepEqual(
    problems.items.map((i) => i.index),
    [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],
  );
  assert.ok(problems.items.every((i) => i.findings.length === 1));
  const small = g.page({ problemsOnly: false, code: 'too-small' }, 0, 200);
  assert.deepEqual(
    small.items.map((i) => i.index),
    [0, 20, 40, 60, 80],
  );
  assert.equal(small.items[0]!.findings[0]!.code, 'too-small');
  assert.equal(g.page({ problemsOnly: false }, 0, 200).total, 100);
});

test('image views name files relative to the dataset and carry their findings; folder-level findings go to the overview', () => {
  const meta: DatasetFinding = { code: 'metadata-bad-line', severity: 'error', file: `${DIR}/metadata.jsonl`, line: 3, message: 'bad JSON' };
  const g = new DatasetGallery(report(4, 2, [meta]), opts);
  const item = g.imageView(2);
  assert.equal(item.name, 'img2.png');
  assert.equal(item.caption, null);
  assert.equal(item.findings[0]!.message, 'no-caption here');
  const o = g.overview();
  assert.deepEqual(o.otherFindings, [{ code: 'metadata-bad-line', severity: 'error', message: 'bad JSON', line: 3, file: 'metadata.jsonl' }]);
  assert.deepEqual(o.codeCounts, [
    { code: 'metadata-bad-line', count: 1 },
    { code: 'no-caption', count: 1 },
    { code: 'too-small', count: 1 },
  ]);
  assert.equal(o.target, opts.target);
});

test('the overview sends at most MAX_OTHER_FINDINGS folder-level findings and counts the rest', () => {
  const extra = Array.from({ length: MAX_OTHER_FINDINGS + 7 }, (_, i): DatasetFinding => ({
    code: 'metadata-bad-line',
    severity: 'error',
    file: `${DIR}/metadata.jsonl`,
    line: i + 1,
    message: 'x',
  }));
  const o = new DatasetGallery(report(1, 0, extra), opts).overview();
  assert.equal(o.otherFindings.length, MAX_OTHER_FINDINGS);
  assert.equal(o.otherFindingsLeftOut, 7);
});

test('relativeName keeps a path outside the folders whole', () => {
  assert.equal(relativeName([DIR], `${DIR}/a/b.png`), 'a/b.png');
  assert.equal(relativeName([DIR], '/elsewhere/b.png'), '/elsewhere/b.png');
  assert.equal(relativeName([DIR], `${DIR}-other/b.png`), `${DIR}-other/b.png`);
});

test('the summary says the counts in words and draws the histograms', () => {
  const r = report(12, 3);
  assert.equal(findingCounts(r), '4 warnings');
  assert.equal(findingCounts(report(2)), 'no problems');
  const md = datasetSummaryMarkdown(r, 'demo');
  assert.match(md, /\*\*12 images; 4 warnings\.\*\*/);
  assert.match(md, /### `too-small` \(2, warning\)/);
  assert.match(md, /<512 █{30} 12/);
});

test('the crop draw is seeded: the same image and draw repeat, another draw differs, all in [0, 1)', () => {
  const a = seededRandom(3, 0);
  const b = seededRandom(3, 0);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(seededRandom(3, 1)(), seededRandom(3, 0)());
  assert.notEqual(seededRandom(4, 0)(), seededRandom(3, 0)());
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test("a finding on an image's metadata.jsonl line (an empty caption) shows on that image, not with the dataset's own", () => {
  const r = report(3);
  r.images[1]!.captionLine = 2;
  r.images[1]!.codes = ['no-caption'];
  r.images[2]!.captionLine = 3;
  const empty: DatasetFinding = { code: 'no-caption', severity: 'warning', file: `${DIR}/metadata.jsonl`, line: 2, message: 'empty caption' };
  // Another metadata.jsonl's line 2, in a folder the image is not in, stays with the dataset.
  const elsewhere: DatasetFinding = { code: 'no-caption', severity: 'warning', file: '/other/metadata.jsonl', line: 2, message: 'elsewhere' };
  const g = new DatasetGallery({ ...r, findings: [empty, elsewhere] }, opts);
  assert.deepEqual(
    g.imageView(1).findings.map((f) => f.message),
    ['empty caption'],
  );
  assert.deepEqual(g.imageView(2).findings, []);
  assert.deepEqual(
    g.overview().otherFindings.map((f) => f.message),
    ['elsewhere'],
  );
  assert.deepEqual(
    g.page({ problemsOnly: true }, 0, 10).items.map((i) => i.index),
    [1],
  );
});

test("an image's CLIP score against its caption reaches its view, and the view passes the webview protocol's check", () => {
  const r = report(2);
  r.images[1]!.clipScore = 27.5;
  const g = new DatasetGallery(r, opts);
  assert.equal(g.imageView(0).clipScore, undefined);
  assert.equal(g.imageView(1).clipScore, 27.5);
  assert.equal(checkDatasetHostMessage({ type: 'page', requestId: 1, offset: 0, total: 2, items: [g.imageView(0), g.imageView(1)] }), undefined);
});
