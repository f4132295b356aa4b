// The output_dir claim behind `run start --on-existing` (placeholder rules) and the plan edit for `--on-existing new`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOutputDir, nextFreeOutputDir } from '../../src/core/supervisor/ownership';
import { outputDirOf, withOutputDir } from '../../src/core/supervisor/planArgs';
import type { RunEntry } from '../../src/core/supervisor/runRecord';
import type { LaunchPlan } from '../../src/core/supervisor/types';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-own-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const plan = (out: string): LaunchPlan => ({ argv: ['accelerate', 'launch', 'train.py', '--output_dir', out], env: {}, cwd: '/', script: 'lora' });

function entry(id: string, createdAt: string, outputDir: string | undefined, planOut = '/elsewhere'): RunEntry {
  return { dir: `/records/${id}`, record: { id, name: `name of ${id}`, script: 'lora', plan: plan(planOut), createdAt, state: 'succeeded', ...(outputDir ? { outputDir } : {}) } };
}

test('claimOutputDir: a missing or empty folder, or one with only other files, is free', (t) => {
  const dir = tmp(t);
  assert.deepEqual(claimOutputDir(join(dir, 'none'), []), { kind: 'free' });
  const out = join(dir, 'out');
  mkdirSync(join(out, 'logs', 'project'), { recursive: true });
  writeFileSync(join(out, 'notes.txt'), 'x');
  writeFileSync(join(out, 'logs', 'project', 'hparams.yml'), 'x: 1');
  mkdirSync(join(out, 'checkpoints-old'));
  assert.deepEqual(claimOutputDir(out, []), { kind: 'free' });
});

test('claimOutputDir: checkpoints, weights and event files make it taken, by the newest run writing there', (t) => {
  const dir = tmp(t);
  const out = join(dir, 'out');
  mkdirSync(join(out, 'checkpoint-500'), { recursive: true });
  mkdirSync(join(out, 'logs', 'text2image-fine-tune', '1700000000.1'), { recursive: true });
  writeFileSync(join(out, 'pytorch_lora_weights.safetensors'), 'w');
  writeFileSync(join(out, 'logs', 'text2image-fine-tune', '1700000000.1', 'events.out.tfevents.1700000000.host.1.0'), 'e');
  const runs = [
    entry('a', '2024-01-01T00:00:00.000Z', out),
    entry('b', '2024-01-02T00:00:00.000Z', undefined, out), // no outputDir in the record: the plan's counts
    entry('c', '2024-01-03T00:00:00.000Z', join(dir, 'other')),
  ];
  const claim = claimOutputDir(out + '/', runs);
  assert.deepEqual(claim, {
    kind: 'taken', byRunId: 'b', byRunName: 'name of b',
    what: ['checkpoint-500', 'logs/text2image-fine-tune/1700000000.1/events.out.tfevents.1700000000.host.1.0', 'pytorch_lora_weights.safetensors'],
  });
  assert.deepEqual(claimOutputDir(out, [runs[2]!]), { kind: 'taken', what: claim.kind === 'taken' ? claim.what : [] });
});

test('nextFreeOutputDir: the first of -2, -3, … that does not exist', (t) => {
  const dir = tmp(t);
  const out = join(dir, 'out');
  assert.equal(nextFreeOutputDir(out), `${out}-2`);
  mkdirSync(`${out}-2`);
  mkdirSync(`${out}-3`);
  assert.equal(nextFreeOutputDir(out + '/'), `${out}-4`);
});

test('withOutputDir: replaces the script\'s --output_dir in either form, or adds it after the script', () => {
  const base: LaunchPlan = { argv: ['accelerate', 'launch', '--output_dir', 'launcher-keeps', 'train.py', '--output_dir', 'a', '--seed', '1'], env: { A: '1' }, cwd: '/w', script: 'lora' };
  const moved = withOutputDir(base, '/w/a-2');
  assert.deepEqual(moved.argv, ['accelerate', 'launch', '--output_dir', 'launcher-keeps', 'train.py', '--output_dir', '/w/a-2', '--seed', '1']);
  assert.equal(outputDirOf(moved), '/w/a-2');
  assert.deepEqual(base.argv[6], 'a', 'the original plan is untouched');
  assert.deepEqual(withOutputDir({ ...base, argv: ['accelerate', 'launch', 'train.py', '--output_dir=a'] }, '/x').argv, ['accelerate', 'launch', 'train.py', '--output_dir=/x']);
  const added = withOutputDir({ ...base, argv: ['accelerate', 'launch', 'train.py', '--seed', '1'] }, '/x');
  assert.deepEqual(added.argv, ['accelerate', 'launch', 'train.py', '--output_dir', '/x', '--seed', '1']);
  assert.throws(() => withOutputDir({ ...base, argv: ['accelerate', 'launch'] }, '/x'), /no training script/);
});
