// The Supervisor's Slurm runs against a scripted SlurmClient: submit, settle from Slurm's answers, stop, reattach.
// The real cluster runs the same paths in test/slurm.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunMonitor } from '../../src/core/monitor/runMonitor';
import { isEnded } from '../../src/core/run/state';
import { planQueue } from '../../src/core/supervisor/queue';
import { readExit, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { SBATCH_FILE } from '../../src/core/launch/sbatchScript';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { SlurmError, type SlurmClient } from '../../src/core/supervisor/slurmTypes';
import { exitOfSlurmJob, sbatchHint } from '../../src/core/supervisor/slurmRuns';
import { FakeSlurm } from './fakeSlurm';
import type { LaunchPlan } from '../../src/core/supervisor/types';
import { FAKE, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz123456';

function slurmPlan(ws: Workspace, env: Record<string, string> = {}): LaunchPlan {
  return {
    argv: ['python3', 'launch', FAKE, '--output_dir', join(ws.root, 'out')],
    env: { SOME: 'value', ...env },
    cwd: ws.root,
    script: 'lora',
    profile: 'slurm',
    slurm: { nodes: 1, gpusPerNode: 0, partition: 'debug' },
  };
}

async function supervisor(ws: Workspace, slurm: SlurmClient): Promise<Supervisor> {
  return new Supervisor({
    recordsDir: ws.recordsDir,
    wrapperScript: await wrapperJs(),
    execPath: process.execPath,
    slurm,
    startTimeoutMs: 2000,
    slurmStopTimeoutMs: 2000,
  });
}

test('a slurm plan is submitted with sbatch: job.sbatch in the record, no token in it, the token in sbatch environment only', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const sup = await supervisor(ws, slurm);
  const { record, dir } = await sup.start(slurmPlan(ws, { HF_TOKEN: TOKEN }));
  assert.equal(record.state, 'starting');
  assert.equal(record.slurm?.jobId, '100');
  assert.equal(record.slurm?.state, 'PENDING');
  assert.equal(record.slurm?.reason, 'Resources');
  assert.equal(record.pid, undefined, 'no local process');
  const script = join(dir, SBATCH_FILE);
  assert.equal(record.slurm?.script, script);
  const text = readFileSync(script, 'utf8');
  assert.match(text, new RegExp(`#SBATCH --output=${recordFiles(dir).console.replace(/[.]/g, '\\.')}`));
  assert.match(text, /export SOME=/);
  assert.ok(!text.includes(TOKEN) && !text.includes('HF_TOKEN'), 'the job script holds no secret');
  assert.ok(!readFileSync(recordFiles(dir).run, 'utf8').includes(TOKEN), 'run.json holds no secret');
  assert.equal(slurm.submits[0]!.env.HF_TOKEN, TOKEN, 'sbatch gets the token in its environment');
  assert.equal(slurm.submits[0]!.env.SOME, 'value');
  assert.equal(slurm.submits[0]!.cwd, dir);
});

test('reconcile follows Slurm: PENDING → starting (reason), RUNNING → running (nodes, startedAt), FAILED → failed with the exit code, exit.json once', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const sup = await supervisor(ws, slurm);
  const { record } = await sup.start(slurmPlan(ws));
  const id = record.id;
  slurm.set('100', { state: 'RUNNING', nodes: 'node7', startTime: '2026-11-29T18:00:00Z' });
  let r = (await sup.get(id)).record;
  assert.deepEqual(
    [r.state, r.slurm?.state, r.slurm?.nodes, r.slurm?.reason, r.startedAt],
    ['running', 'RUNNING', 'node7', undefined, '2026-11-29T18:00:00.000Z'],
  );
  assert.equal(readRecord(sup.dirOf(id)).state, 'running', 'written to run.json');
  assert.equal((await sup.live()).length, 1, 'a running job holds its output_dir');
  // Slurm cannot be asked: nothing is settled on a guess.
  slurm.queryError = new SlurmError('scontrol show job', 'Unable to contact slurm controller');
  assert.equal((await sup.get(id)).record.state, 'running');
  slurm.queryError = undefined;
  slurm.set('100', { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 3, signal: 0, endTime: '2026-11-29T18:01:00Z' });
  r = (await sup.get(id)).record;
  assert.deepEqual([r.state, r.exitCode, r.endedAt], ['failed', 3, '2026-11-29T18:01:00.000Z']);
  const exit = readExit(sup.dirOf(id))!;
  assert.deepEqual(exit, { exitCode: 3, signal: null, endedAt: '2026-11-29T18:01:00.000Z', stopRequested: false });
  // Later answers change nothing (settled once).
  slurm.set('100', { state: 'COMPLETED', exitCode: 0 });
  assert.equal((await sup.get(id)).record.state, 'failed');
});

test('a failed sbatch fails the run with its message; a job Slurm forgot is settled from the console with a note', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const sup = await supervisor(ws, slurm);
  slurm.submitError = new SlurmError('sbatch', 'sbatch: error: invalid partition specified: gpu');
  const failed = (await sup.start(slurmPlan(ws))).record;
  assert.equal(failed.state, 'failed');
  assert.match(failed.note ?? '', /not submitted: sbatch failed: sbatch: error: invalid partition specified: gpu \(launch\.slurm\.partition: `sinfo` lists/);
  // GPUs asked of a cluster without any (gpusPerNode defaults to 1): the note names the setting, not only sbatch's words.
  slurm.submitError = new SlurmError('sbatch', 'sbatch: error: Invalid generic resource (gres) specification');
  const gres = (await sup.start({ ...slurmPlan(ws), slurm: { nodes: 1, gpusPerNode: 1 } })).record;
  assert.match(
    gres.note ?? '',
    /Invalid generic resource \(gres\) specification \(the job asks for 1 GPU\(s\) per node, launch\.slurm\.gpusPerNode: .*0 for a CPU job\)/,
  );
  assert.equal(sbatchHint('sbatch: error: Invalid generic resource (gres) specification', { gpusPerNode: 0 }), '');
  assert.match(sbatchHint('sbatch: error: Batch job submission failed: Requested node configuration is not available', { gpusPerNode: 0 }), /cpusPerTask/);
  assert.equal(sbatchHint('sbatch: error: something else', { gpusPerNode: 2 }), '');
  slurm.submitError = undefined;
  const { record } = await sup.start(slurmPlan(ws));
  slurm.jobs.delete(record.slurm!.jobId);
  const r = (await sup.get(record.id)).record;
  assert.equal(r.state, 'failed');
  assert.match(
    r.note ?? '',
    /^Slurm no longer knows job 100 \(it forgets ended jobs after MinJobAge\), so its exit status is unknown; the console does not show it finished$/,
  );
});

test('stop: the stop request first, then scancel; the run ends stopped', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const sup = await supervisor(ws, slurm);
  const { record } = await sup.start(slurmPlan(ws));
  slurm.set('100', { state: 'RUNNING', nodes: 'n1' });
  const stopped = await sup.stop(record.id);
  assert.deepEqual(slurm.cancels, ['100']);
  assert.equal(stopped.state, 'stopped');
  assert.ok(existsSync(recordFiles(sup.dirOf(record.id)).stop));
  assert.equal(readExit(sup.dirOf(record.id))!.stopRequested, true);
});

test('a job cancelled while it pended ends without the reason it waited for (Slurm keeps Reason=Resources)', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const sup = await supervisor(ws, slurm);
  const { record } = await sup.start(slurmPlan(ws));
  assert.equal((await sup.get(record.id))?.record.slurm?.reason, 'Resources');
  // What the real scontrol answers for a pending job scancel'ed: the pending reason is kept.
  slurm.cancel = async (jobId: string) => {
    slurm.cancels.push(jobId);
    slurm.set(jobId, { state: 'CANCELLED', reason: 'Resources', exitCode: 0, signal: 0 });
  };
  const stopped = await sup.stop(record.id);
  assert.equal(stopped.state, 'stopped');
  assert.equal(stopped.slurm?.state, 'CANCELLED');
  assert.equal(stopped.slurm?.reason, undefined, 'not "CANCELLED (Resources)": it did not end for want of resources');
  // A reason the job did not wait with is Slurm's word on the end, and is kept.
  const other = await sup.start(slurmPlan(ws));
  slurm.set('101', { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 1 });
  const failed = (await sup.get(other.record.id)).record;
  assert.equal(failed.state, 'failed');
  assert.equal(failed.slurm?.reason, 'NonZeroExitCode');
});

test('reattach: a fresh Supervisor and RunMonitor read the record and follow the job by its id to the end', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const slurm = new FakeSlurm();
  const first = await supervisor(ws, slurm);
  const { record } = await first.start(slurmPlan(ws));
  slurm.set('100', { state: 'RUNNING', nodes: 'n1' });
  // "After a reload": nothing kept from the first supervisor but the records folder and Slurm.
  const again = await supervisor(ws, slurm);
  assert.equal((await again.get(record.id)).record.state, 'running');
  const monitor = new RunMonitor({ recordDir: again.dirOf(record.id), imageCacheDir: join(ws.root, 'img'), pollMs: 20, slurm });
  t.after(() => monitor.stop());
  monitor.start();
  slurm.set('100', { state: 'COMPLETED', exitCode: 0, signal: 0, endTime: '2026-11-29T18:02:00Z' });
  await waitFor(() => isEnded(monitor.state), 'the monitor to see the job end', 10_000);
  assert.equal(monitor.state.state, 'finished');
  assert.equal(readRecord(again.dirOf(record.id)).state, 'succeeded');
});

test('the local queue ignores Slurm runs: a live Slurm job does not make a local run wait', () => {
  const base = { script: 'lora' as const, createdAt: '2026-01-01T00:00:00Z', outputDir: '/o1' };
  const slurmRun = {
    dir: '/r/a',
    record: {
      ...base,
      id: 'a',
      name: 'a',
      state: 'running' as const,
      gpus: { count: 0 },
      plan: { argv: ['a', 't.py'], env: {}, cwd: '/', script: 'lora' as const, slurm: { nodes: 1, gpusPerNode: 1 } },
      slurm: { jobId: '1', script: '/s', submittedAt: '', state: 'RUNNING' },
    },
  };
  const local = {
    dir: '/r/b',
    record: {
      ...base,
      id: 'b',
      name: 'b',
      state: 'queued' as const,
      outputDir: '/o2',
      gpus: { count: 1 },
      plan: { argv: ['a', 't.py'], env: {}, cwd: '/', script: 'lora' as const },
    },
  };
  assert.deepEqual(
    planQueue([slurmRun, local], undefined, (r) => r.state === 'running').map((d) => d.entry.record.id),
    ['b'],
  );
  assert.deepEqual(
    planQueue([slurmRun, local], 1, (r) => r.state === 'running').map((d) => d.entry.record.id),
    ['b'],
  );
});

test('exit.json of an ended job: a TIMEOUT with exit code 0 gets none and says why; a cancel not asked for still reads stopped', () => {
  const now = new Date('2026-11-29T18:00:00Z');
  assert.deepEqual(exitOfSlurmJob({ jobId: '1', state: 'TIMEOUT', reason: 'TimeLimit', exitCode: 0, signal: 0 }, 'failed', false, now), {
    exitCode: null,
    signal: null,
    endedAt: now.toISOString(),
    stopRequested: false,
    error: 'Slurm ended the job TIMEOUT (TimeLimit)',
  });
  const cancelled = exitOfSlurmJob({ jobId: '1', state: 'CANCELLED by 0', exitCode: 0, signal: 15, endTime: '2026-11-29T18:00:05Z' }, 'stopped', false, now);
  // No exit code: scancel's `0:15` is not the training's, and a code 0 would make the monitor read the run finished.
  assert.deepEqual(cancelled, { exitCode: null, signal: 'SIGTERM', endedAt: '2026-11-29T18:00:05.000Z', stopRequested: true });
});
