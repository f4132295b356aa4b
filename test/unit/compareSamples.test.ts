// The Compare Samples panel's host side without the editor: the protocol's validation both ways (a webview names an
// image by id and index, never by path), the job → grid view (column order and titles, images, settings), the mapping
// of an image reference to its file, and the CLIP scores kept in the job's clip-scores.json (with the tiny ONNX model).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findClipModelFiles } from '../../src/core/clip/clipModelDir';
import { createClipScorer } from '../../src/core/clip/onnxScorer';
import type { ImageTextScorer } from '../../src/core/clip/types';
import { GENERATION_CLIP_SCORES_FILE, readGenerationClipScores, scoreGenerationImages } from '../../src/core/generate/clipScores';
import { checkCompareHostMessage, checkCompareWebviewMessage, type CompareJobView } from '../../src/shared/compareProtocol';
import { columnTitle, compareColumns, compareJobView, imageFileOf, orderedSources } from '../../src/core/view/compareView';
import { writeTinyClip } from '../clip/tinyClip';
import { plantJob, plantedSettings } from '../generate/plantedJob';

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'compare-samples-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

test('webview messages: an image is named by job id, source, prompt index and seed; anything else is refused with where', () => {
  assert.equal(checkCompareWebviewMessage({ type: 'ready', protocol: 1 }), undefined);
  assert.equal(checkCompareWebviewMessage({ type: 'saveImage', jobId: 'job-1', source: 'checkpoint-4', promptIndex: 0, seed: 42 }), undefined);
  assert.equal(checkCompareWebviewMessage({ type: 'downloadClip' }), undefined);
  const bad: [unknown, RegExp][] = [
    [{ type: 'saveImage', jobId: 'job-1', source: '../../etc', promptIndex: 0, seed: 42 }, /saveImage'\.source: expected a source label/],
    [{ type: 'saveImage', jobId: '../x', source: 'base', promptIndex: 0, seed: 42 }, /jobId: expected a job id/],
    [{ type: 'saveImage', jobId: 'job-1', source: 'base', promptIndex: -1, seed: 42 }, /promptIndex: expected an integer >= 0/],
    [{ type: 'saveImage', jobId: 'job-1', source: 'base', promptIndex: 0, seed: 1.5 }, /seed: expected a seed/],
    [{ type: 'saveImage', jobId: 'job-1', source: 'base', promptIndex: 0 }, /seed: missing/],
    [{ type: 'openFile', path: '/etc/passwd' }, /unknown type "openFile"/],
    [{ type: 'ready' }, /protocol: missing/],
    ['ready', /expected an object/],
  ];
  for (const [msg, re] of bad) assert.match(checkCompareWebviewMessage(msg) ?? 'accepted', re, JSON.stringify(msg));
});

function view(over: Partial<CompareJobView> = {}): CompareJobView {
  return {
    jobId: 'job-1',
    name: 'dog-lora',
    status: 'generating',
    prompts: ['a dog'],
    columns: [{ label: 'base', title: 'base' }],
    images: [{ source: 'base', promptIndex: 0, seed: 42, uri: 'https://file+.vscode-resource/x/base/0-42.png', clipScore: 31.2 }],
    current: { source: 'base', promptIndex: 0, seed: 43, step: 3, steps: 20 },
    done: 1,
    total: 2,
    clip: { state: 'scored', model: 'Xenova/clip-vit-base-patch32' },
    settings: { steps: 20, guidance: 7.5, width: 64, height: 64, seed: 42, numImages: 2 },
    ...over,
  };
}

test('host messages: a job snapshot is checked field by field, CLIP states included', () => {
  assert.equal(checkCompareHostMessage({ type: 'job', job: view() }), undefined);
  assert.equal(checkCompareHostMessage({ type: 'job', job: view({ clip: { state: 'unavailable', message: 'untrusted' } }) }), undefined);
  assert.equal(checkCompareHostMessage({ type: 'missing', jobId: 'job-1', message: 'gone' }), undefined);
  assert.match(checkCompareHostMessage({ type: 'job', job: view({ status: 'exploded' as never }) }) ?? '', /job\.status: expected one of/);
  assert.match(checkCompareHostMessage({ type: 'job', job: view({ clip: { state: 'maybe' } as never }) }) ?? '', /clip\.state: unknown "maybe"/);
  assert.match(
    checkCompareHostMessage({ type: 'job', job: view({ images: [{ source: 'base', promptIndex: 0, seed: 42, uri: '' }] }) }) ?? '',
    /images\[0\]\.uri/,
  );
  assert.match(
    checkCompareHostMessage({ type: 'job', job: view({ images: [{ source: 'base', promptIndex: 0, seed: 42, uri: 'u', clipScore: Number.NaN }] }) }) ?? '',
    /clipScore: expected a finite number/,
  );
  assert.match(
    checkCompareHostMessage({ type: 'job', job: view({ settings: { ...view().settings!, numImages: 0 } }) }) ?? '',
    /numImages: expected an integer > 0/,
  );
});

test('columns: base first, checkpoints by step, final last, whatever order the request lists them in; titles name the step', () => {
  const sources = [
    { label: 'final', kind: 'lora' as const, path: '/o', step: 8 },
    { label: 'checkpoint-6', kind: 'lora' as const, path: '/o/c6', step: 6 },
    { label: 'base', kind: 'base' as const },
    { label: 'checkpoint-2', kind: 'lora' as const, path: '/o/c2', step: 2 },
  ];
  assert.deepEqual(
    orderedSources(sources).map((s) => s.label),
    ['base', 'checkpoint-2', 'checkpoint-6', 'final'],
  );
  assert.deepEqual(orderedSources(sources).map(columnTitle), ['base', 'checkpoint-2 · step 2', 'checkpoint-6 · step 6', 'final']);
});

test('the job view: settings as the script reported its device, images with URIs and scores, and only files inside the job folder', async () => {
  const state = await plantJob(join(root, 'view'), { count: 5 });
  state.images.push({ source: 'final', promptIndex: 1, seed: 43, file: '../../outside.png' });
  state.current = { source: 'checkpoint-4', promptIndex: 0, seed: 43, step: 7, steps: 20 };
  const v = compareJobView({
    state,
    uriOf: (file) => (file.startsWith('..') ? undefined : `vscode-resource:${file}`),
    scores: new Map([['base/0-42.png', 28.5]]),
    clip: { state: 'scored', model: 'm' },
  });
  assert.equal(checkCompareHostMessage({ type: 'job', job: v }), undefined);
  assert.deepEqual(compareColumns(state), [
    { label: 'base', title: 'base' },
    { label: 'checkpoint-4', title: 'checkpoint-4 · step 4' },
    { label: 'final', title: 'final' },
  ]);
  assert.equal(v.images.length, 5, 'the file outside the folder is not shown');
  assert.deepEqual(v.images[0], { source: 'base', promptIndex: 0, seed: 42, uri: 'vscode-resource:base/0-42.png', clipScore: 28.5 });
  assert.equal(v.images[1]!.clipScore, undefined);
  assert.deepEqual(v.settings, { steps: 20, guidance: 7.5, width: 64, height: 48, negativePrompt: 'blurry', device: 'cpu (float32)', seed: 42, numImages: 2 });
  assert.deepEqual(v.current, state.current);
  assert.equal(v.total, 12);

  assert.equal(imageFileOf(state, { source: 'base', promptIndex: 0, seed: 43 }), join(state.outputDir, 'base/0-43.png'));
  assert.equal(imageFileOf(state, { source: 'final', promptIndex: 0, seed: 42 }), undefined, 'not made yet');
  assert.equal(imageFileOf(state, { source: 'final', promptIndex: 1, seed: 43 }), undefined, 'a recorded file outside the job folder is never served');
});

test('CLIP scores: each image scored once against its own prompt, kept in clip-scores.json by file, another model scores anew', async (t) => {
  const modelDir = join(root, 'tiny-clip');
  writeTinyClip(modelDir);
  const real = createClipScorer({ files: await findClipModelFiles(modelDir), threads: 1 });
  t.after(() => real.dispose());
  const calls: { images: readonly string[]; text: string }[] = [];
  const scorer: ImageTextScorer = {
    score: (images, text, signal) => {
      calls.push({ images, text });
      return real.score(images, text, signal);
    },
    scorePairs: (i, x, s) => real.scorePairs(i, x, s),
    dispose: async () => undefined,
  };
  const settings = plantedSettings({ numImages: 1 });
  const state = await plantJob(join(root, 'clip'), { settings, count: 4 });
  const prompts = settings.prompts;
  const first = await scoreGenerationImages({ outputDir: state.outputDir, images: state.images, prompts, model: 'tiny', scorer, known: new Map() });
  assert.deepEqual([...first.keys()].sort(), state.images.map((i) => i.file).sort());
  for (const s of first.values()) assert.ok(Number.isFinite(s) && s >= 0 && s <= 100, String(s));
  assert.deepEqual(
    calls.map((c) => [c.text, c.images.length]),
    [
      [prompts[0], 2],
      [prompts[1], 2],
    ],
    'one call per prompt, each image against its own prompt',
  );
  // The same numbers as scoring one image alone against its prompt.
  const [alone] = await real.score([join(state.outputDir, 'checkpoint-4/1-42.png')], prompts[1]!);
  assert.ok(Math.abs(first.get('checkpoint-4/1-42.png')! - alone!) < 1e-4);

  const file = JSON.parse(readFileSync(join(state.outputDir, GENERATION_CLIP_SCORES_FILE), 'utf8'));
  assert.equal(file.model, 'tiny');
  assert.deepEqual(await readGenerationClipScores(state.outputDir, 'tiny'), first);
  assert.equal((await readGenerationClipScores(state.outputDir, 'another')).size, 0, "another model's scores count for nothing");

  // Two more images: only those are scored.
  const more = await plantJob(join(root, 'clip'), { settings, count: 6 });
  calls.length = 0;
  const second = await scoreGenerationImages({ outputDir: more.outputDir, images: more.images, prompts, model: 'tiny', scorer, known: first });
  assert.deepEqual(
    calls.flatMap((c) => c.images.map((p) => p.slice(more.outputDir.length + 1))),
    ['final/0-42.png', 'final/1-42.png'],
  );
  assert.equal(second.size, 6);

  writeFileSync(join(state.outputDir, GENERATION_CLIP_SCORES_FILE), '{"version":1,"model":"tiny","scores":{"base/0-42.png":"high"');
  assert.equal((await readGenerationClipScores(state.outputDir, 'tiny')).size, 0, 'a torn file is scored anew, not an error');
});
