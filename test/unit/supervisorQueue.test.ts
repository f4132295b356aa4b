import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { gpuNeedOf } from '../../src/core/launch/planArgs';
import { planQueue } from '../../src/core/supervisor/queue';
import { readRecord, type RunEntry } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import type { GpuNeed, LaunchPlan, RunRecord, RunStatus } from '../../src/core/supervisor/types';
import { fakePlan, waitFor, workspace, wrapperJs } from './supervisorTestKit';

const plan = (argv: string[], env: Record<string, string> = {}): LaunchPlan => ({ argv, env, cwd: '/w', script: 'full' });

test('GPU needs come from CUDA_VISIBLE_DEVICES, --gpu_ids or --num_processes (launcher flags only)', () => {
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', 't.py'])), { count: 1 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', '--num_processes', '4', 't.py'])), { count: 4 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', '--num_processes=2', '--gpu_ids', '3,1', 't.py'])), { indices: [1, 3], count: 2 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', '--gpu_ids', 'all', '--num_processes', '2', 't.py'])), { count: 2 });
  // A script argument of the same name is not a launcher flag.
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', 't.py', '--num_processes', '8'])), { count: 1 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', 't.py'], { CUDA_VISIBLE_DEVICES: '2, 0' })), { indices: [0, 2], count: 2 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', 't.py'], { CUDA_VISIBLE_DEVICES: '' })), { indices: [], count: 0 });
  assert.deepEqual(gpuNeedOf(plan(['accelerate', 'launch', 't.py'], { CUDA_VISIBLE_DEVICES: 'GPU-aa,GPU-bb' })), { count: 2 });
});

let n = 0;
function entry(state: RunStatus, gpus: GpuNeed, outputDir = `/out/${n}`): RunEntry {
  const id = `2026010${++n}-000000-r`;
  const record: RunRecord = { id, name: id, script: 'full', plan: plan(['a', 't.py']), createdAt: `2026-01-0${n}T00:00:00Z`, state, gpus, outputDir };
  return { dir: `/records/${id}`, record };
}
const live = (r: RunRecord) => r.state === 'running';
const ids = (d: ReturnType<typeof planQueue>) => d.map((x) => [x.entry.record.id, 'gpus' in x ? x.gpus : 'impossible' in x ? 'never' : undefined]);

test('the queue starts runs in order when their GPUs are free, and blocks behind the first that must wait', () => {
  const running = entry('running', { indices: [0], count: 1 });
  const a = entry('queued', { count: 2 }); // fits on 1,2
  const b = entry('queued', { indices: [0], count: 1 }); // GPU 0 busy: waits
  const c = entry('queued', { count: 1 }); // would fit on 3 but must not jump the queue
  assert.deepEqual(ids(planQueue([running, a, b, c], 4, live)), [[a.record.id, [1, 2]]]);
  // Once the first run is done, b and c follow in order.
  const done = { ...running, record: { ...running.record, state: 'succeeded' as const } };
  const aRunning = { ...a, record: { ...a.record, state: 'running' as const, gpus: { indices: [1, 2], count: 2 } } };
  assert.deepEqual(ids(planQueue([done, aRunning, b, c], 4, live)), [
    [b.record.id, [0]],
    [c.record.id, [3]],
  ]);
});

test('the queue waits for a busy output_dir, reports impossible needs, and is exclusive when the GPU count is unknown', () => {
  const running = entry('running', { indices: [0], count: 1 }, '/out/same');
  const same = entry('queued', { indices: [1], count: 1 }, '/out/same');
  assert.deepEqual(ids(planQueue([running, same], 2, live)), []);
  const huge = entry('queued', { count: 9 });
  const small = entry('queued', { count: 1 });
  assert.deepEqual(ids(planQueue([huge, small], 2, live)), [
    [huge.record.id, 'never'],
    [small.record.id, [0]],
  ]);
  const q1 = entry('queued', { count: 1 });
  const q2 = entry('queued', { count: 1 });
  assert.deepEqual(ids(planQueue([q1, q2], undefined, live)), [[q1.record.id, undefined]]);
  assert.deepEqual(ids(planQueue([running, q1, q2], undefined, live)), []);
});

test('queued runs start one after another with the editor gone: the finishing wrapper starts the next', { skip: process.platform === 'win32' }, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, totalGpus: 1 });
  const first = await sup.enqueue(fakePlan(ws, ['--lines', '20', '--interval', '0.03']), { name: 'first' });
  assert.deepEqual(first.pump.started, [first.entry.record.id]);
  const second = await sup.enqueue(
    { ...fakePlan(ws, ['--lines', '3']), argv: fakePlan(ws, ['--lines', '3']).argv.map((a) => a.replace(/out$/, 'out2')) },
    { name: 'second' },
  );
  const third = await sup.enqueue(fakePlan(ws, ['--lines', '1']), { name: 'third' });
  assert.equal(second.entry.record.state, 'queued');
  assert.equal(third.entry.record.state, 'queued');
  // Taking a run off the queue.
  assert.equal((await sup.stop(third.entry.record.id)).state, 'stopped');
  // Nobody calls pump() from here on: the first run's wrapper starts the second when it ends.
  await waitFor(() => readRecord(second.entry.dir).state === 'succeeded', "the second run to be started by the first one's wrapper and finish", 30_000);
  const a = readRecord(first.entry.dir);
  const b = readRecord(second.entry.dir);
  assert.equal(a.state, 'succeeded');
  assert.ok(Date.parse(b.startedAt!) >= Date.parse(a.endedAt!), 'the second started after the first ended');
  assert.equal(b.plan.env['CUDA_VISIBLE_DEVICES'], '0', 'a count-only run gets the GPU the queue picked');
  assert.equal(readRecord(third.entry.dir).state, 'stopped');
  assert.ok(!existsSync(`${third.entry.dir}/console.log`), 'the cancelled run never started');
});

test(
  "Stop returns once the stopped run's wrapper is done: its final state written and the next queued run started",
  { skip: process.platform === 'win32' },
  async (t) => {
    const ws = workspace();
    t.after(() => ws.cleanup());
    const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, totalGpus: 1, graceMs: 300 });
    const first = await sup.enqueue(fakePlan(ws, ['--lines', '400', '--interval', '0.05']), { name: 'first' });
    const secondPlan = fakePlan(ws, ['--lines', '2']);
    const second = await sup.enqueue({ ...secondPlan, argv: secondPlan.argv.map((a) => a.replace(/out$/, 'out2')) }, { name: 'second' });
    assert.equal(second.entry.record.state, 'queued');
    await waitFor(() => readRecord(first.entry.dir).state === 'running', 'the first run to be running');
    await sup.stop(first.entry.record.id);
    // Read straight after Stop, with no waiting: the wrapper has already done all of it.
    assert.equal(readRecord(first.entry.dir).state, 'stopped', 'run.json holds the final state');
    assert.notEqual(readRecord(second.entry.dir).state, 'queued', "the stopped run's wrapper started the next queued run");
    await waitFor(() => readRecord(second.entry.dir).state === 'succeeded', 'the second run to finish', 30_000);
  },
);
