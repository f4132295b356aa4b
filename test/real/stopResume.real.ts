// Stop a real training mid-run (nothing left running), then resume it from its checkpoint as "Resume From Here"
// does: the real script resumes, and its curves continue the stopped run's without a gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { seriesPoints } from '../../src/core/run/series';
import type { RunState } from '../../src/core/run/state';
import {
  ended,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  resumeRun,
  startConfig,
  supervisor,
  tinyArgs,
  waitFor,
  writeConfig,
  wrapperJs,
} from './realWorker';

const { worker, skip } = realWorkerOrSkip();

const steps = (s: RunState['lrSeries']) => seriesPoints(s).map((p) => p.step);

test('real run: stop mid-run leaves no process; resume from its checkpoint continues the curves without a gap', { skip, timeout: 600_000 }, async () => {
  const ws = newWorkspace();
  try {
    const sup = supervisor(ws, await wrapperJs());
    // No validation: this test is about the training loop, and a validation costs more than the steps.
    const file = writeConfig(ws, 'stop', realLaunch(worker!), tinyArgs(worker!, { max_train_steps: 6, checkpointing_steps: 2 }));
    const first = await startConfig(ws, sup, file);
    const id = first.entry.record.id;
    await waitFor(() => first.monitor.state.checkpoints.some((c) => c.step === 2 && c.complete), 'checkpoint-2 to be saved', 300_000);
    assert.equal(first.monitor.state.exit, null, 'still running when stopped');
    const record = await sup.stop(id);
    assert.equal(record.state, 'stopped');
    await noProcessLeft(sup, id);
    const stopped = await ended(first.monitor, 60_000, 'the stopped run');
    first.monitor.stop();
    assert.equal(stopped.state, 'stopped');
    assert.ok(stopped.step !== null && stopped.step >= 2 && stopped.step < 6, `stopped at step ${stopped.step}`);
    assert.equal(existsSync(join(ws.root, 'out', 'pytorch_lora_weights.safetensors')), false, 'no final weights of a stopped run');
    const stoppedLoss = steps(stopped.loss.step_loss);
    assert.deepEqual(stoppedLoss.slice(0, 2), [1, 2]);

    const second = await resumeRun(ws, sup, id, 'checkpoint-2', (runId) => (runId === id ? stopped : undefined));
    const argv = second.entry.record.plan.argv;
    assert.equal(argv[argv.indexOf('--resume_from_checkpoint') + 1], 'checkpoint-2', argv.join(' '));
    const resumed = await ended(second.monitor, 480_000, 'the resumed run');
    second.monitor.stop();
    await noProcessLeft(sup, second.entry.record.id);
    assert.equal(resumed.state, 'finished', JSON.stringify(resumed.failure));
    assert.equal(resumed.resumedFrom?.step, 2);
    assert.equal(resumed.totalSteps, 6);
    // The real script starts counting at the checkpoint's step, so its curves pick up right after it. v0.27.2 skips
    // no batches of the resumed epoch and its max_train_steps check only leaves the inner loop: resumed mid-epoch
    // (step 2 of 4 per epoch) it trains epoch 0's 4 batches (steps 3-6), then one step of epoch 1 (7 of 6).
    assert.equal(resumed.step, 7);
    assert.deepEqual(steps(resumed.loss.step_loss), [3, 4, 5, 6, 7]);
    assert.deepEqual(steps(resumed.lrSeries), [3, 4, 5, 6, 7]);
    assert.deepEqual(steps(resumed.loss.train_loss), [3, 4, 5, 6, 7], "the resumed run's own event file");
    // Together: every step from 1 on, none missing.
    const all = new Set([...stoppedLoss.filter((s) => s <= 2), ...steps(resumed.loss.step_loss)]);
    assert.deepEqual(
      [...all].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );
    assert.deepEqual(
      resumed.checkpoints.map((c) => c.step),
      [4, 6],
    );
    assert.ok(existsSync(join(ws.root, 'out', 'pytorch_lora_weights.safetensors')), 'final weights');
  } finally {
    await ws.cleanup();
  }
});
