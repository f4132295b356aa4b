// The answers of "Generate Samples…" as text (src/core/generate/sampleQuestions.ts): prompts split on |, numbers and
// sizes checked with a reason naming the field, the default sources, and a sample job's one-line summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultSourceLabels,
  jobRowDescription,
  jobStartText,
  jobTitle,
  parseGuidance,
  parseSize,
  parseWholeNumber,
  splitPrompts,
} from '../../src/core/generate/sampleQuestions';
import type { GenerationState } from '../../src/core/generate/types';

test('prompts: split on |, trimmed, empty parts dropped', () => {
  assert.deepEqual(splitPrompts(' a dog |b cat|| '), ['a dog', 'b cat']);
  assert.deepEqual(splitPrompts('  '), []);
});

test('numbers and sizes: a clear reason naming the field', () => {
  assert.deepEqual(parseWholeNumber(' 25 ', 'steps', 1, 1000), { value: 25 });
  for (const bad of ['0', '1001', '2.5', '-1', 'ten', '']) assert.match((parseWholeNumber(bad, 'steps', 1, 1000) as { error: string }).error, /^steps must be/);
  assert.deepEqual(parseGuidance('7.5'), { value: 7.5 });
  assert.ok('error' in parseGuidance('51') && 'error' in parseGuidance('-1') && 'error' in parseGuidance('x'));
  assert.deepEqual(parseSize('64x128'), { value: { width: 64, height: 128 } });
  assert.deepEqual(parseSize('1024 × 768'), { value: { width: 1024, height: 768 } });
  assert.deepEqual(parseSize('512'), { value: { width: 512, height: 512 } });
  assert.match((parseSize('100x64') as { error: string }).error, /width must be a multiple of 8/);
  assert.match((parseSize('64x8192') as { error: string }).error, /height must be a multiple of 8 from 8 to 4096/);
  assert.match((parseSize('big') as { error: string }).error, /WIDTHxHEIGHT/);
});

test('default sources: base, the newest checkpoint by step (not by order), final', () => {
  const labels = defaultSourceLabels([
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-4', kind: 'lora', path: '/o/checkpoint-4', step: 4 },
    { label: 'checkpoint-10', kind: 'lora', path: '/o/checkpoint-10', step: 10 },
    { label: 'checkpoint-8', kind: 'lora', path: '/o/checkpoint-8', step: 8 },
    { label: 'final', kind: 'lora', path: '/o', step: 12 },
  ]);
  assert.deepEqual(labels, ['base', 'checkpoint-10', 'final']);
  assert.deepEqual(defaultSourceLabels([{ label: 'base', kind: 'base' }]), ['base']);
});

test('a job row: count and progress first (a narrow side bar cuts the end), the reason of a failure, then the shape', () => {
  const j: GenerationState = {
    jobId: 'j',
    name: 'n',
    outputDir: '/o',
    status: 'generating',
    total: 4,
    images: [{ source: 'base', promptIndex: 0, seed: 0, file: 'base/0-0.png' }],
    settings: {
      baseModel: 'm',
      sources: [
        { label: 'base', kind: 'base' },
        { label: 'final', kind: 'lora', path: '/o' },
      ],
      prompts: ['p', 'q'],
      steps: 2,
      guidance: 5,
      seed: 0,
      numImages: 1,
      width: 64,
      height: 64,
    },
    current: { source: 'final', promptIndex: 0, seed: 0, step: 1, steps: 2 },
  };
  assert.equal(jobRowDescription(j), '1/4 · final step 1/2 · 2 sources × 2 prompts');
  assert.equal(jobRowDescription({ ...j, status: 'succeeded', current: undefined }), '1/4 · 2 sources × 2 prompts');
  assert.equal(
    jobRowDescription({ ...j, status: 'failed', error: 'CUDA out of memory\nTraceback…' }),
    '1/4 · failed: CUDA out of memory · 2 sources × 2 prompts',
  );
  assert.equal(jobRowDescription({ ...j, status: 'starting', settings: undefined, total: 0 }), 'starting…');
});

test('a job is titled by its local start time, with the date when not today: two jobs of one run differ', () => {
  const now = new Date(2026, 10, 29, 18, 0);
  assert.equal(jobTitle({}, now), 'Samples');
  assert.equal(jobTitle({ startedAt: 'not a time' }, now), 'Samples');
  assert.equal(jobTitle({ startedAt: new Date(2026, 10, 29, 9, 5).toISOString() }, now), 'Samples · 09:05');
  assert.equal(jobTitle({ startedAt: new Date(2026, 10, 28, 23, 59).toISOString() }, now), 'Samples · 2026-11-28 23:59');
  assert.equal(jobStartText({ startedAt: new Date(2026, 10, 29, 17, 30).toISOString() }, now), '17:30');
});
