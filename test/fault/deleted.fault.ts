// Fault 6 of issue 8's fault suite: a run's folders deleted while the monitor follows it: output_dir (the run goes
// on), and separately the record folder `.sdxl/runs/ID`. No exception escapes, the monitor says so in a notice,
// the run is never shown as succeeded for what it did not do, and no process of it is left.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { ReliabilityLog } from '../reliabilityReport';
import { cli, describe, disagreements, ended, runProcessCount, startStandinRun, unixOnly, views, waitFor } from './faultKit';

const log = new ReliabilityLog('deleted', 'fault');
after(() => log.write());

/** Every unhandled rejection or exception while the test runs (the monitor must never throw at its caller). */
function escapes(t: { after(fn: () => void): void }): Error[] {
  const seen: Error[] = [];
  const on = (e: unknown) => void seen.push(e instanceof Error ? e : new Error(String(e)));
  process.on('unhandledRejection', on);
  process.on('uncaughtException', on);
  t.after(() => {
    process.off('unhandledRejection', on);
    process.off('uncaughtException', on);
  });
  return seen;
}

test('fault 6a: output_dir deleted while followed: a notice, its checkpoints gone from every view, the outcome kept', unixOnly(90_000), async (t) => {
  const thrown = escapes(t);
  const { ws, sup, record, monitor } = await startStandinRun(t, ['--max_train_steps=30', '--checkpointing_steps=10'], { STANDIN_STEP_SECONDS: '0.15' });
  await waitFor(() => monitor.state.checkpoints.some((c) => c.step === 10 && c.complete), 'checkpoint-10', 60_000);
  rmSync(join(ws.root, 'out'), { recursive: true, force: true });
  const notice = () => monitor.state.notices.find((n) => n.includes(join(ws.root, 'out')) && /deleted|does not exist/.test(n));
  await waitFor(() => notice() !== undefined || monitor.state.exit !== null, 'a notice about output_dir', 30_000);
  const state = await ended(monitor);
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to end');
  const v = await views(ws, sup, record.id, monitor);
  // The training recreated output_dir for checkpoint-20 and -30 and its final weights: it did succeed (exit 0).
  const bad = disagreements(v, {
    state: 'succeeded',
    step: 30,
    checkpoints: [
      { step: 20, complete: true },
      { step: 30, complete: true },
    ],
    resume: 'checkpoint-30',
  });
  if (!notice()) bad.push(`no notice that output_dir was deleted: ${state.notices.join(' | ')}`);
  if (thrown.length) bad.push(`escaped: ${thrown.map((e) => e.message).join('; ')}`);
  log.verdict('output_dir deleted while followed', `${describe(v)}; notice: ${notice() ?? 'none'}`, bad);
});

test('fault 6b: the record folder deleted while followed: a notice, never succeeded, no process left, nothing half-recreated', unixOnly(90_000), async (t) => {
  const thrown = escapes(t);
  const { ws, sup, dir, record, monitor } = await startStandinRun(t, ['--max_train_steps=20', '--checkpointing_steps=10'], { STANDIN_STEP_SECONDS: '0.15' });
  await waitFor(() => (monitor.state.step ?? 0) >= 3, 'the first steps', 60_000);
  rmSync(dir, { recursive: true, force: true });
  const state = await ended(monitor);
  const bad: string[] = [];
  if (state.state === 'finished') bad.push('the monitor says finished');
  if (!state.notices.some((n) => n.includes(dir) && /does not exist|deleted/.test(n))) bad.push(`no notice: ${state.notices.join(' | ')}`);
  // The training, orphaned of its record, goes on to its end; then nothing of the run is left running.
  await waitFor(async () => !(await isAlive(record)) && !(await isWrapperAlive(record)), "the run's processes to end", 60_000);
  if ((await runProcessCount(record)) !== 0) bad.push(`${await runProcessCount(record)} processes left`);
  // The record is gone for good: not listed (not as succeeded, not as a half record), `run show` says there is none.
  if (existsSync(dir)) bad.push(`the record folder came back: ${readdirSync(dir).join(', ')}`);
  const listed = (await sup.list()).map((e) => e.record.id);
  if (listed.includes(record.id)) bad.push('still listed');
  const shown = await cli(ws, ['run', 'show', record.id]);
  if (shown.code === 0) bad.push(`run show says: ${shown.out}`);
  if (thrown.length) bad.push(`escaped: ${thrown.map((e) => e.message).join('; ')}`);
  log.verdict(
    'the record folder .sdxl/runs/ID deleted while followed',
    `monitor: ${state.state} at step ${state.step}, notice: ${state.notices.find((n) => n.includes(dir)) ?? 'none'}; listed: ${listed.includes(record.id)}; run show exit ${shown.code}`,
    bad,
  );
});
