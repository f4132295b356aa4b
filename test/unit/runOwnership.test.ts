// Run ownership with real processes (stand-in trainer, supervisor, detached wrappers, monitors): runs that share an
// output_dir keep their own steps, curves and checkpoints, before and after a reload; a checkpoint deleted while a
// run lives leaves its state; a resume continues its own lineage only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RunMonitor } from '../../src/core/monitor/runMonitor';
import { seriesPoints } from '../../src/core/run/series';
import { isEnded, type RunState } from '../../src/core/run/state';
import { claimOutputDir, pickResumeCheckpoint } from '../../src/core/supervisor/ownership';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';
import { dataset, lora } from './standinRuns';

const unixOnly = { skip: process.platform === 'win32' ? 'the fake accelerate and wrapper use Unix process groups' : false, timeout: 120_000 };

/** Every field of a state but those that record when the monitor happened to see things (live stamps, GPU polls). */
function comparable(s: RunState): Partial<RunState> {
  const { lastEventAt: _a, progressTimes: _b, hang: _c, gpu: _d, ...rest } = s;
  // The bar's live `at` per step is what only watching gives (as progressTimes); the step times from the files stay.
  const { liveAt: _e, ...timing } = s.timing;
  return JSON.parse(JSON.stringify({ ...rest, timing })) as Partial<RunState>;
}

/** whenEnded, holding the event loop open (the monitor's timers do not) and failing after `ms`. */
async function ended(m: RunMonitor, ms = 60_000): Promise<RunState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${m.recordDir} did not end within ${ms} ms`)), ms)));
  try {
    return await Promise.race([m.whenEnded(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const lossSteps = (s: RunState) => seriesPoints(s.loss.train_loss).map((p) => p.step);

function follow(ws: Workspace, dir: string): RunMonitor {
  const m = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'images'), pollMs: 40 });
  m.start();
  return m;
}

test('runs sharing an output_dir keep their own step, curves and checkpoints; a reload gives every run the same state', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 10);
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, graceMs: 5000 });
  const base = ['--max_train_steps=40', '--checkpointing_steps=5', '--report_to=tensorboard'];

  // A: stopped part-way. B: the same config started again in the same folder (what Start did before it asked), whose
  // checkpoints_total_limit prunes A's checkpoints. C: failed, own folder. D: still running at the reload.
  const a = await sup.start(lora(ws, data, base));
  const ma = follow(ws, a.dir);
  await waitFor(() => (ma.state.step ?? 0) >= 12, 'run A to pass step 12', 30_000);
  await sup.stop(a.record.id);
  const aEnd = await ended(ma);
  assert.equal(aEnd.state, 'stopped');
  const aStep = aEnd.step!;
  assert.ok(aStep >= 12 && aStep < 40, `A stopped at ${aStep}`);
  assert.deepEqual(
    lossSteps(aEnd),
    Array.from({ length: lossSteps(aEnd).length }, (_, i) => i + 1),
  );

  const b = await sup.start(lora(ws, data, [...base, '--checkpoints_total_limit=2']));
  const c = await sup.start(lora(ws, data, [...base, '--output_dir=out-c'], { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '6' }));
  const d = await sup.start(
    lora(ws, data, ['--max_train_steps=40', '--checkpointing_steps=10', '--report_to=tensorboard', '--output_dir=out-d'], { STANDIN_STEP_SECONDS: '0.1' }),
  );
  const [mb, mc, md] = [follow(ws, b.dir), follow(ws, c.dir), follow(ws, d.dir)];
  const [bEnd, cEnd] = await Promise.all([ended(mb), ended(mc)]);
  assert.equal(isEnded(md.state), false, 'D is still running at the reload');

  // The reload: fresh monitors read every run from byte 0, D while it is still live.
  const [ra, rb, rc, rd] = [a, b, c, d].map((r) => follow(ws, r.dir)) as [RunMonitor, RunMonitor, RunMonitor, RunMonitor];
  const [raEnd, rbEnd, rcEnd, rdEnd, dEnd] = await Promise.all([ended(ra), ended(rb), ended(rc), ended(rd), ended(md)]);

  assert.equal(bEnd.state, 'finished');
  assert.equal(bEnd.step, 40);
  assert.deepEqual(
    lossSteps(bEnd),
    Array.from({ length: 40 }, (_, i) => i + 1),
    "B's curve: its own 40 points",
  );
  assert.deepEqual(
    bEnd.checkpoints.map((x) => [x.step, x.complete]),
    [
      [35, true],
      [40, true],
    ],
  );
  assert.equal(cEnd.state, 'failed');
  assert.equal(cEnd.failure?.class, 'cuda_oom');
  assert.equal(dEnd.state, 'finished');

  // A after B ran in its folder, and after the reload: its own step and curve, and none of B's checkpoints.
  assert.equal(raEnd.state, 'stopped');
  assert.equal(raEnd.step, aStep, `A read "stopped at step ${raEnd.step}" after the reload`);
  assert.deepEqual(lossSteps(raEnd), lossSteps(aEnd));
  assert.deepEqual(raEnd.checkpoints, [], "A's checkpoints were pruned by B; B's are not A's");
  assert.deepEqual(comparable(rbEnd), comparable(bEnd), 'B after the reload');
  assert.deepEqual(comparable(rcEnd), comparable(cEnd), 'C after the reload');
  assert.deepEqual(comparable(rdEnd), comparable(dEnd), 'D, reloaded while it ran');
  const aAfter = comparable(raEnd);
  // The live monitor saw A's checkpoints before B pruned them; everything else is the same.
  assert.deepEqual({ ...aAfter, checkpoints: [] }, { ...comparable(aEnd), checkpoints: [] }, 'A after the reload');

  // Resume and Start check ownership.
  const runs = await sup.list();
  const stateOf = (id: string) => [ra, rb, rc, rd].find((m) => m.recordDir.endsWith(id))?.state;
  await assert.rejects(pickResumeCheckpoint({ runId: a.record.id, runs, stateOf }), /has no complete checkpoint of its own left/);
  await assert.rejects(pickResumeCheckpoint({ runId: a.record.id, runs, stateOf, want: 'checkpoint-40' }), /was not saved by run/);
  assert.equal((await pickResumeCheckpoint({ runId: b.record.id, runs, stateOf })).name, 'checkpoint-40');
  const claim = claimOutputDir(join(ws.root, 'out'), runs);
  assert.equal(claim.kind === 'taken' && claim.byRunId, b.record.id);
});

test('a checkpoint deleted while the run lives leaves its state; a resume continues the lineage with its own curve', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 10);
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, graceMs: 5000 });
  const args = ['--max_train_steps=30', '--checkpointing_steps=3', '--report_to=tensorboard'];
  const e = await sup.start(lora(ws, data, args, { STANDIN_STEP_SECONDS: '0.1' }));
  const me = follow(ws, e.dir);
  const has3 = () => me.state.checkpoints.some((x) => x.step === 3 && x.complete);
  await waitFor(has3, 'checkpoint-3', 30_000);
  rmSync(join(ws.root, 'out', 'checkpoint-3'), { recursive: true });
  await waitFor(() => !me.state.checkpoints.some((x) => x.step === 3), 'checkpoint-3 to leave the live state', 10_000);
  assert.equal(isEnded(me.state), false, 'seen while the run was live');
  await waitFor(() => (me.state.step ?? 0) >= 12 && me.state.checkpoints.some((x) => x.step >= 9 && x.complete), 'step 12', 30_000);
  await sup.stop(e.record.id);
  const eEnd = await ended(me);
  const stateOf = (id: string) => (id === e.record.id ? eEnd : undefined);
  await assert.rejects(
    pickResumeCheckpoint({ runId: e.record.id, runs: await sup.list(), stateOf, want: 'checkpoint-3' }),
    /has no checkpoint-3 in .*\(its complete ones are checkpoint-6, .*\); nothing was started/,
  );

  const pick = await pickResumeCheckpoint({ runId: e.record.id, runs: await sup.list(), stateOf });
  const f = await sup.resume(e.record.id, () => pick.name);
  assert.equal(f.record.continues, e.record.id);
  assert.equal(f.record.resumedFrom, `${e.record.id}/${pick.name}`);
  const fEnd = await ended(follow(ws, f.dir));
  assert.equal(fEnd.state, 'finished');
  assert.equal(fEnd.step, 30);
  // The resumed run's curve is its own file's: from the checkpoint's step on, not E's steps 1… again.
  assert.deepEqual(
    lossSteps(fEnd),
    Array.from({ length: 30 - pick.step }, (_, i) => pick.step + 1 + i),
  );
  // F's checkpoints are F's; E, read again, still has exactly its own.
  const eAgain = await ended(follow(ws, e.dir));
  assert.equal(eAgain.step, eEnd.step);
  assert.deepEqual(lossSteps(eAgain), lossSteps(eEnd));
  assert.ok(
    fEnd.checkpoints.every((x) => x.step > pick.step),
    JSON.stringify(fEnd.checkpoints),
  );
  assert.ok(existsSync(join(ws.root, 'out', pick.name)));
  // The lineage: a resume of F may use E's checkpoints as well as F's own.
  const runs = await sup.list();
  const lineageState = (id: string) => (id === e.record.id ? eAgain : id === f.record.id ? fEnd : undefined);
  assert.equal((await pickResumeCheckpoint({ runId: f.record.id, runs, stateOf: lineageState, want: pick.name })).ownerId, e.record.id);
});
