// "Save image as…": the host maps (run, epoch, index) from the webview to the image file the run's state knows, and
// refuses an unknown run or image with a message that names it; a path the webview adds is never looked at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reduceAll } from '../../src/core/run/reducer';
import { sampleImageFile, type KnownRun } from '../../src/core/view/sampleImageFile';

function knownRun(label = 'dog lora (v2)'): KnownRun {
  const state = reduceAll([
    { type: 'banner', numExamples: 20, batchSize: 2, totalBatchSize: 2, gradAccum: 1, numEpochs: 3, totalSteps: 30 },
    { type: 'validationImages', tag: 'validation', epoch: 0, images: [{ ref: '/cache/r1/validation-1-a/0.png' }, { ref: '/cache/r1/validation-1-a/1.png' }] },
    { type: 'validationImages', tag: 'validation', epoch: 1, images: [{ ref: '/cache/r1/validation-2-b/0.png' }] },
    { type: 'validationImages', tag: 'test', epoch: 2, images: [{ ref: '/cache/r1/test-3-c/0.png' }, { ref: 'memory:key' }] },
  ]);
  return { id: 'r1', label, state };
}

test('an image of a validation maps to its file, with a name that says run, epoch, step and index', () => {
  const r = sampleImageFile(knownRun(), { runId: 'r1', epoch: 0, index: 1 });
  assert.deepEqual(r, { ok: true, path: '/cache/r1/validation-1-a/1.png', suggestedName: 'dog_lora_v2-epoch1-step10-2.png' });
  const t = sampleImageFile(knownRun(), { runId: 'r1', epoch: 'test', index: 0 });
  assert.deepEqual(t, { ok: true, path: '/cache/r1/test-3-c/0.png', suggestedName: 'dog_lora_v2-test-step30-1.png' });
});

test('a path sent along with the message is never used', () => {
  const msg = { runId: 'r1', epoch: 1, index: 0, path: '/etc/passwd' };
  const r = sampleImageFile(knownRun(), msg);
  assert.equal(r.ok && r.path, '/cache/r1/validation-2-b/0.png');
});

test('an unknown run, epoch or index is refused with a clear message', () => {
  assert.deepEqual(sampleImageFile(undefined, { runId: 'nope', epoch: 0, index: 0 }), {
    ok: false,
    message: 'SDXL: cannot save the image: no run "nope" is known.',
  });
  assert.deepEqual(sampleImageFile(knownRun(), { runId: 'r1', epoch: 5, index: 0 }), {
    ok: false,
    message: 'SDXL: cannot save the image: run r1 has no image 1 of epoch 6.',
  });
  assert.deepEqual(sampleImageFile(knownRun(), { runId: 'r1', epoch: 1, index: 3 }), {
    ok: false,
    message: 'SDXL: cannot save the image: run r1 has no image 4 of epoch 2.',
  });
  const mem = sampleImageFile(knownRun(), { runId: 'r1', epoch: 'test', index: 1 });
  assert.equal(mem.ok, false);
  assert.match(!mem.ok ? mem.message : '', /image 2 of the final test images of run r1 is not a file/);
});
