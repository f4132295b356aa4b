// The real script's console (test/fixtures/generate, recorded by test/real/generate.real.ts with diffusers v0.27.2 on
// the tiny SDXL; the workspace path replaced by /WORKSPACE) read by parseGenerationLine and folded by
// reduceGeneration, as the GenerationMonitor does: every progress line it prints is valid, and nothing else is taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGenerationLine } from '../../src/core/generate/lines';
import { initialGenerationState, reduceGeneration } from '../../src/core/generate/state';
import type { GenerationLine } from '../../src/core/generate/types';

const FIX = join(__dirname, '..', 'fixtures', 'generate');

function read(name: string): { lines: GenerationLine[]; others: string[] } {
  const lines: GenerationLine[] = [];
  const others: string[] = [];
  for (const text of readFileSync(join(FIX, name), 'utf8').split('\n')) {
    const parsed = parseGenerationLine(text);
    if (parsed === undefined) others.push(text);
    else if ('event' in parsed) lines.push(parsed);
    else assert.fail(`${name}: ${parsed.error}: ${text}`);
  }
  return { lines, others };
}

test('the real console of 6 sources × 1 prompt × 2 seeds: every event, in order, folded into 12 images', () => {
  const { lines, others } = read('console.log');
  const labels = ['base', 'checkpoint-2', 'final', 'unet-of-base', 'pipeline-of-base', 'base2'];
  assert.deepEqual(lines[0], { event: 'start', total: 12, sources: labels, prompts: 1, numImages: 2 });
  const kinds = lines.map((l) => l.event);
  // Per source: loaded, then per image 3 steps and the image.
  const perSource = ['loaded', ...['step', 'step', 'step', 'image'], ...['step', 'step', 'step', 'image']];
  assert.deepEqual(kinds, ['start', ...labels.flatMap(() => perSource), 'done']);
  // diffusers' own output (the pipeline's loading bars) stays: not ours.
  assert.ok(others.some((t) => t.includes('Loading pipeline components')));
  let s = initialGenerationState('job', 'tiny samples', '/WORKSPACE/gen-main');
  for (const line of lines) s = reduceGeneration(s, { type: 'line', line });
  assert.equal(s.total, 12);
  assert.equal(s.device, 'cpu');
  assert.equal(s.dtype, 'float32');
  assert.equal(s.current, undefined);
  assert.deepEqual(
    s.images.map((i) => i.file),
    labels.flatMap((l) => [`${l}/0-7.png`, `${l}/0-8.png`]),
  );
  assert.ok(s.images.every((i) => typeof i.seconds === 'number' && i.seconds > 0));
});

test('the real console of a bad LoRA path: an error line naming the source and the path, then the traceback', () => {
  const { lines, others } = read('bad-lora.console.log');
  assert.deepEqual(
    lines.map((l) => l.event),
    ['start', 'error'],
  );
  const err = lines[1]!;
  assert.ok(err.event === 'error');
  assert.equal(err.source, 'checkpoint-9');
  assert.match(err.message, /^FileNotFoundError: LoRA weights not found: \/WORKSPACE\/no-such-run\/checkpoint-9 /);
  assert.ok(others.includes('Traceback (most recent call last):'));
  let s = initialGenerationState('job', 'x', '/o');
  for (const line of lines) s = reduceGeneration(s, { type: 'line', line });
  assert.match(s.error ?? '', /^checkpoint-9: FileNotFoundError: LoRA weights not found/);
  assert.equal(s.images.length, 0);
});
