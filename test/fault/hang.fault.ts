// Fault 4 of issue 8's fault suite: a trainer that hangs (no output, process alive). The monitor's hang detection
// fires (the 600 s floor lowered through the monitor's `hangMinSec`, the factor the product default), Stop ends the
// run and leaves no process, and every view says stopped at the step it hung after.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isAlive } from '../../src/core/supervisor/liveness';
import { ReliabilityLog } from '../reliabilityReport';
import { describe, disagreements, ended, startStandinRun, unixOnly, views, waitFor } from './faultKit';

const log = new ReliabilityLog('hang', 'fault');
after(() => log.write());

test('fault 4: a hung trainer: the hang is detected, Stop ends it and leaves no process', unixOnly(90_000), async (t) => {
  // Steps of 0.15 s (each one drawn: tqdm redraws every 0.1 s), then silence from step 10 on.
  const { ws, sup, record, monitor } = await startStandinRun(
    t,
    ['--max_train_steps=40', '--checkpointing_steps=5'],
    { STANDIN_STEP_SECONDS: '0.15', STANDIN_FAIL: 'hang', STANDIN_FAIL_AT_STEP: '10' },
    { hangMinSec: 1.5 },
  );
  const t0 = Date.now();
  await waitFor(() => monitor.state.hang !== null, 'the hang to be detected', 30_000);
  const hang = monitor.state.hang!;
  assert.equal(monitor.state.step, 9, 'hung after step 9');
  assert.ok(await isAlive(record), 'the hung trainer is alive');
  assert.ok(hang.sinceSec >= 1 && hang.typicalStepSec > 0 && hang.typicalStepSec < 1, JSON.stringify(hang));
  const stopped = await sup.stop(record.id);
  assert.equal(stopped.state, 'stopped');
  const state = await ended(monitor);
  const v = await views(ws, sup, record.id, monitor);
  const bad = disagreements(v, { state: 'stopped', step: 9, checkpoints: [{ step: 5, complete: true }], resume: 'checkpoint-5' });
  if (state.hang === null && !state.stopRequested) bad.push('the monitor forgot the hang and the stop');
  log.verdict(
    'a trainer that hangs, then Stop',
    `hang seen ${((Date.now() - t0) / 1000).toFixed(1)} s after start (silent ${hang.sinceSec} s, typical step ${hang.typicalStepSec} s); ${describe(v)}`,
    bad,
    describe(v),
  );
});
