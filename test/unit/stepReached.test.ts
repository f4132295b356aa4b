// The step a run reached, when tqdm did not draw its last step: tqdm redraws at most every 0.1 s, so a trainer killed
// while saving checkpoint-N may have shown N-1 last. "Saving current state to …/checkpoint-N" is printed at step N
// (the scripts save right after the step's update), so every view counts step N: the monitor and `summarize` (the
// reducer), and `run list` (tailProgress on the console's end). Found by the fault suite (kill.fault.ts, fault 2):
// `run list` said 19/40 while the monitor said 20/40.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { reduceConsoleFile } from '../../src/core/monitor/summarize';
import { initialRunState } from '../../src/core/run/state';
import { tailProgress } from '../../src/core/supervisor/unknownExit';

const bar = (step: number, total: number) =>
  `Steps: ${Math.round((100 * step) / total)}%|█| ${step}/${total} [00:01<00:00, 9.00it/s, lr=0.0001, step_loss=0.1]`;

test('a checkpoint announced after the last drawn bar counts as the step reached, in the reducer and in tailProgress', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-step-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'console.log');
  writeFileSync(
    path,
    `${bar(18, 40)}\r${bar(19, 40)}11/29/2026 00:04:12 - INFO - accelerate.accelerator - [RANK 0] Saving current state to out/checkpoint-20\n` +
      'Model weights saved in out/checkpoint-20/pytorch_lora_weights.safetensors\n',
  );
  assert.deepEqual(tailProgress(path), { step: 20, totalSteps: 40 });
  const s = await reduceConsoleFile(path, initialRunState());
  assert.equal(s.step, 20);
  assert.equal(s.totalSteps, 40);

  // A checkpoint never moves the step back (a bar already past it), and "Saved state" counts the same.
  writeFileSync(path, `${bar(21, 40)}\n11/29/2026 00:04:13 - INFO - __main__ - Saved state to out/checkpoint-20\n`);
  assert.equal(tailProgress(path).step, 21);
  assert.equal((await reduceConsoleFile(path, initialRunState())).step, 21);
  writeFileSync(path, `${bar(9, 40)}\n11/29/2026 00:04:13 - INFO - __main__ - Saved state to out/checkpoint-10\n`);
  assert.equal(tailProgress(path).step, 10);
  assert.equal((await reduceConsoleFile(path, initialRunState())).step, 10);
});
