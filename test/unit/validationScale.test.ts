// Validation must stay linear in the size of the config, however hostile: counted in operations, never in time
// (`npm run bench` reports the times, as ratios).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, MAX_DIAGNOSTICS, MAX_SUGGESTIONS } from '../../src/core/diagnostics';
import { newWorkCounter, type WorkCounter } from '../../src/core/util/workCounter';

const MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';

/** A LoRA config whose args hold `n` unknown keys, one per line (the audit's 600 KB file has 40,000). */
function unknownKeys(n: number, tail = ''): string {
  const lines = ['{', '  "script": "lora",', '  "args": {', `    "pretrained_model_name_or_path": "${MODEL}",`, '    "train_data_dir": "data",'];
  for (let i = 0; i < n; i++) lines.push(`    "unknown_option_${i}": ${i},`);
  lines.push(`    "seed": 1${tail}`, '  }', '}');
  return lines.join('\n');
}

function work(text: string): WorkCounter {
  const w = newWorkCounter();
  validateConfig(text, { work: w });
  return w;
}

const total = (w: WorkCounter): number => w.lineSteps + w.nodeVisits + w.editCells;

test('validation work grows linearly with the number of unknown keys (line lookups, pointer lookups, suggestions)', () => {
  const n = 1500;
  const one = work(unknownKeys(n));
  const two = work(unknownKeys(2 * n));
  // Linear work doubles; the quadratic rescans it replaced quadrupled (×3.9 here before the fix).
  for (const k of ['lineSteps', 'nodeVisits', 'editCells'] as const) {
    assert.ok(two[k] <= 2.2 * one[k] + 1000, `${k}: ${one[k]} for ${n} keys, ${two[k]} for ${2 * n}`);
  }
  assert.ok(total(two) <= 2.2 * total(one), `total: ${total(one)} → ${total(two)}`);
});

test('"did you mean" runs only for the first unknown keys: the suggestion work does not grow past them', () => {
  const few = work(unknownKeys(2 * MAX_SUGGESTIONS));
  const many = work(unknownKeys(8 * MAX_SUGGESTIONS));
  assert.ok(few.editCells > 0);
  assert.equal(many.editCells, few.editCells);
  // The early keys still get their suggestion.
  const ds = validateConfig(unknownKeys(8 * MAX_SUGGESTIONS).replace('"unknown_option_0"', '"learnig_rate"'));
  assert.match(ds.find((d) => d.path === '/args/learnig_rate')!.message, /did you mean "learning_rate"/);
});

test('a suggestion costs nothing for a key far longer than any argument name (bounded by the length difference)', () => {
  const w = work(unknownKeys(0).replace('"seed": 1', `"seed": 1, "${'x'.repeat(20_000)}": 1`));
  assert.ok(w.editCells < 50_000, `edit cells: ${w.editCells}`);
});

test(`at most ${MAX_DIAGNOSTICS} diagnostics, errors first, then one that counts the rest`, () => {
  const ds = validateConfig(unknownKeys(1000, ', "train_batch_size": "two"'));
  assert.equal(ds.length, MAX_DIAGNOSTICS + 1);
  // The error comes last in the file, yet is kept over the warnings before it.
  assert.ok(ds.some((d) => d.code === 'type' && d.path === '/args/train_batch_size'));
  const more = ds[ds.length - 1]!;
  assert.equal(more.code, 'more-problems');
  assert.equal(more.severity, 'warning');
  assert.match(more.message, /^801 more problems not shown \(801 warnings\)/);
  // It points at the first problem not shown; those shown stay in file order.
  assert.ok(more.line > 3);
  const shown = ds.slice(0, -1).map((d) => d.offset);
  assert.deepEqual(
    shown,
    [...shown].sort((a, b) => a - b),
  );
});
