// Faults 1–3 of issue 8's fault suite: SIGKILL of the trainer mid-step and mid-save, and of the wrapper while the
// trainer later fails (the wrapper killed while the training succeeds is supervisorEnd.test.ts's). Stand-in runs
// behind the fake accelerate, started by the real Supervisor and its detached wrapper.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { recordFiles } from '../../src/core/supervisor/runRecord';
import { UNKNOWN_EXIT_FAILED } from '../../src/core/supervisor/unknownExit';
import { ReliabilityLog } from '../reliabilityReport';
import { descendant, ended, lastConsoleStep, startStandinRun, unixOnly, views, viewsVerdict, waitFor, type Expected, type Views } from './faultKit';

const log = new ReliabilityLog('kill', 'fault');
after(() => log.write());
const verdict = (name: string, v: Views, e: Expected, extra: string[] = []): void => viewsVerdict(log, name, v, e, extra);

const STANDIN = /standin_trainer\.py/;

test('fault 1: SIGKILL of the trainer mid-step: failed, the step it reached, only complete checkpoints offered', unixOnly(90_000), async (t) => {
  const { ws, sup, dir, record, monitor } = await startStandinRun(t, ['--max_train_steps=200', '--checkpointing_steps=10'], { STANDIN_STEP_SECONDS: '0.15' });
  await waitFor(() => (monitor.state.step ?? 0) >= 13, 'step 13 (after checkpoint-10)', 60_000);
  const trainer = await descendant(record.pid!, STANDIN);
  assert.ok(trainer, 'the stand-in trainer under accelerate');
  process.kill(trainer, 'SIGKILL');
  const state = await ended(monitor);
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to record the end');
  const step = lastConsoleStep(recordFiles(dir).console);
  assert.ok(step !== null && step >= 13 && step < 200, `the console's last step: ${step}`);
  const v = await views(ws, sup, record.id, monitor);
  const extra: string[] = [];
  // Killed by a signal: accelerate says the script died of SIGKILL (-9), and the diagnosis is not "finished".
  if (!/-9|SIGKILL/.test(state.failure?.message ?? '') && !/-9|SIGKILL/.test(JSON.stringify(state.logTail)))
    extra.push(`no SIGKILL in the failure: ${state.failure?.message}`);
  const tens = Array.from({ length: Math.floor(step! / 10) }, (_, i) => ({ step: 10 * (i + 1), complete: true }));
  verdict('SIGKILL of the trainer mid-step', v, { state: 'failed', step, checkpoints: tens, resume: `checkpoint-${tens[tens.length - 1]!.step}` }, extra);
});

test('fault 2: SIGKILL of the trainer mid-save: the half-written checkpoint is not offered, the previous one is', unixOnly(90_000), async (t) => {
  const { ws, sup, record, monitor } = await startStandinRun(t, ['--max_train_steps=40', '--checkpointing_steps=10'], { STANDIN_KILL_DURING_CHECKPOINT: '20' });
  await ended(monitor);
  await waitFor(async () => !(await isWrapperAlive(record)) && !(await isAlive(record)), 'the run to end');
  assert.ok(existsSync(join(ws.root, 'out', 'checkpoint-20', 'pytorch_lora_weights.safetensors')), 'the weights of checkpoint-20 were written');
  assert.ok(!existsSync(join(ws.root, 'out', 'checkpoint-20', 'optimizer.bin')), 'its optimizer state was not');
  const v = await views(ws, sup, record.id, monitor);
  verdict('SIGKILL of the trainer mid-save', v, {
    state: 'failed',
    step: 20,
    checkpoints: [
      { step: 10, complete: true },
      { step: 20, complete: false },
    ],
    resume: 'checkpoint-10',
  });
});

test('fault 3: SIGKILL of the wrapper, then the trainer fails: failed, exit status unknown, not succeeded', unixOnly(90_000), async (t) => {
  // The other half (the trainer then succeeds) is supervisorEnd.test.ts's "the wrapper SIGKILLed mid-run" test.
  const { ws, sup, dir, record, monitor } = await startStandinRun(t, ['--max_train_steps=40', '--checkpointing_steps=10'], {
    STANDIN_FAIL: 'cuda_oom',
    STANDIN_FAIL_AT_STEP: '25',
  });
  await waitFor(() => (monitor.state.step ?? 0) >= 3, 'the first steps', 30_000);
  process.kill(record.wrapperPid!, 'SIGKILL');
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to die');
  assert.ok(await isAlive(record), 'the training goes on without its wrapper');
  await waitFor(async () => !(await isAlive(record)), 'the training to fail', 60_000);
  assert.ok(!existsSync(recordFiles(dir).exit), 'nobody recorded the exit');
  await waitFor(() => monitor.state.exit !== null, 'the monitor to see the end', 15_000);
  const state = await ended(monitor);
  const v = await views(ws, sup, record.id, monitor);
  const extra: string[] = [];
  if (v.record.exitCode !== null) extra.push(`record exit code ${v.record.exitCode}, expected null (unknown)`);
  if (v.record.note !== UNKNOWN_EXIT_FAILED) extra.push(`record note: ${v.record.note}`);
  if (!state.notices.some((n) => n.includes(UNKNOWN_EXIT_FAILED))) extra.push(`monitor notices: ${state.notices.join(' | ')}`);
  if (state.failure?.class !== 'cuda_oom') extra.push(`monitor failure ${state.failure?.class}, expected cuda_oom (the console says so)`);
  verdict(
    'SIGKILL of the wrapper, the trainer then fails',
    v,
    {
      state: 'failed',
      step: 24,
      checkpoints: [
        { step: 10, complete: true },
        { step: 20, complete: true },
      ],
      resume: 'checkpoint-20',
    },
    extra,
  );
});
