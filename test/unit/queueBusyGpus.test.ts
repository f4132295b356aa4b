// The queue skips GPUs other programs use (nvidia-smi: a compute process, or memory in use), asked through the
// injected ProcessQuery, with the fake nvidia-smi (test/fixtures/fake-bin/nvidia-smi) standing in for the driver.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBusyGpus, queryBusyGpus } from '../../src/core/gpu/gpuBusy';
import { runNvidiaSmi } from '../../src/core/gpu/nvidiaSmi';
import { planQueue, readQueueSettings } from '../../src/core/supervisor/queue';
import { runTool, systemProcesses, type ProcessQuery } from '../../src/core/supervisor/processTree';
import { readRecord, type RunEntry } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import type { GpuNeed, RunRecord, RunStatus } from '../../src/core/supervisor/types';
import { fakePlan, waitFor, workspace, wrapperJs } from './supervisorTestKit';

const NVIDIA_SMI = join(__dirname, '..', 'fixtures', 'fake-bin', 'nvidia-smi');

/** This machine's tools, with `nvidia-smi` being the fake one under `env`; `maySpawn` as given. */
function smiQuery(env: Record<string, string>, maySpawn = true): ProcessQuery {
  return {
    ...systemProcesses,
    maySpawn: () => maySpawn,
    run: async (cmd, args) => {
      if (cmd !== 'nvidia-smi') return runTool(cmd, args);
      const r = await runNvidiaSmi(args, { exec: NVIDIA_SMI, env: { ...process.env, ...env } });
      return r.ok ? r.stdout : undefined;
    },
  };
}

/** Another program on `gpu`: a live process the fake nvidia-smi lists as a compute app there. */
function otherProgram(stateDir: string, gpu: number): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  writeFileSync(join(stateDir, String(child.pid)), `${gpu} 4000`);
  return child;
}

async function end(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited; // reaped: the fake nvidia-smi no longer lists it
}

test('parseBusyGpus: a compute process or memory beyond the threshold makes a GPU busy', () => {
  const gpus = '0, GPU-a, 3\n1, GPU-b, 5\n2, GPU-c, 20000\n3, GPU-d, [N/A]\njunk line\n';
  assert.deepEqual([...parseBusyGpus(gpus, 'GPU-b\n')].sort(), [1, 2]);
  assert.deepEqual([...parseBusyGpus(gpus, '')], [2]);
});

test('queryBusyGpus asks the fake nvidia-smi; nothing without spawning rights or without nvidia-smi', async (t) => {
  const stateDir = mkdtempSync(join(tmpdir(), 'sdxl-smi-'));
  const other = otherProgram(stateDir, 1);
  t.after(async () => {
    await end(other);
    rmSync(stateDir, { recursive: true, force: true });
  });
  const env = { FAKE_GPU_COUNT: '3', FAKE_GPU_STATE_DIR: stateDir };
  assert.deepEqual([...(await queryBusyGpus(smiQuery(env)))!], [1]);
  assert.deepEqual([...(await queryBusyGpus(smiQuery({ ...env, FAKE_GPU_MEMORY_USED_MIB: '3000' })))!].sort(), [0, 1, 2]);
  assert.equal(await queryBusyGpus(smiQuery(env, false)), undefined, 'untrusted: no tool runs');
  assert.equal(await queryBusyGpus(smiQuery({ ...env, FAKE_NVIDIA_SMI_FAIL: '1' })), undefined);
  assert.equal(await queryBusyGpus(systemProcesses, join(stateDir, 'no-such-nvidia-smi')), undefined);
});

let n = 0;
function entry(state: RunStatus, gpus: GpuNeed): RunEntry {
  const id = `2026020${++n}-000000-q`;
  const plan = { argv: ['a', 't.py'], env: {}, cwd: '/w', script: 'full' as const };
  const record: RunRecord = { id, name: id, script: 'full', plan, createdAt: `2026-02-0${n}T00:00:00Z`, state, gpus, outputDir: `/out/q${n}` };
  return { dir: `/records/${id}`, record };
}
const live = (r: RunRecord) => r.state === 'running';
const picked = (d: ReturnType<typeof planQueue>) => d.map((x) => ('gpus' in x ? x.gpus : 'never'));

test('planQueue skips GPUs in use by other programs, and waits when none is free', () => {
  const q = entry('queued', { count: 1 });
  assert.deepEqual(picked(planQueue([q], 2, live, new Set([0]))), [[1]]);
  assert.deepEqual(picked(planQueue([q], 2, live, new Set([0, 1]))), []);
  assert.deepEqual(picked(planQueue([entry('queued', { indices: [0], count: 1 })], 2, live, new Set([0]))), [], 'an asked-for GPU in use: wait');
  assert.deepEqual(picked(planQueue([q], 2, live)), [[0]], 'no nvidia-smi facts: as before');
  // Our count-only run (indices unknown) shows in nvidia-smi too: it is not counted twice.
  const ours = entry('running', { count: 1 });
  assert.deepEqual(picked(planQueue([ours, q], 2, live, new Set([0]))), [[1]]);
});

test('a queued run starts on the free GPU, waits while all are busy, and starts when one frees', { skip: process.platform === 'win32' }, async (t) => {
  const ws = workspace();
  const stateDir = mkdtempSync(join(tmpdir(), 'sdxl-smi-'));
  const other = otherProgram(stateDir, 0);
  t.after(async () => {
    await end(other);
    await ws.cleanup();
    rmSync(stateDir, { recursive: true, force: true });
  });
  const sup = new Supervisor({
    recordsDir: ws.recordsDir,
    wrapperScript: await wrapperJs(),
    execPath: process.execPath,
    totalGpus: 2,
    processes: smiQuery({ FAKE_GPU_COUNT: '2', FAKE_GPU_STATE_DIR: stateDir }),
  });
  const plan = (out: string, lines: string) => {
    const p = fakePlan(ws, ['--lines', lines, '--interval', '0.05']);
    return { ...p, argv: p.argv.map((a) => a.replace(/out$/, out)) };
  };
  const first = await sup.enqueue(plan('out1', '0'), { name: 'first' });
  assert.deepEqual(first.pump.started, [first.entry.record.id]);
  assert.equal(readRecord(first.entry.dir).plan.env['CUDA_VISIBLE_DEVICES'], '1', 'GPU 0 is taken by another program');
  const second = await sup.enqueue(plan('out2', '2'), { name: 'second' });
  assert.deepEqual(second.pump.started, []);
  assert.equal(readRecord(second.entry.dir).state, 'queued', 'GPU 0 another program, GPU 1 our first run: it waits');
  assert.equal((await sup.pump()).started.length, 0);
  await end(other);
  const pumped = await sup.pump();
  assert.deepEqual(pumped.started, [second.entry.record.id]);
  assert.equal(readRecord(second.entry.dir).plan.env['CUDA_VISIBLE_DEVICES'], '0');
  await waitFor(() => readRecord(second.entry.dir).state === 'succeeded', 'the second run to finish', 30_000);
  await sup.stop(first.entry.record.id);
});

test("the queue asks the nvidia-smi the Supervisor was given (the editor's sdxl.nvidiaSmiPath), stored for the wrappers' pumps", async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const asked: string[] = [];
  const query: ProcessQuery = {
    ...systemProcesses,
    run: async (cmd, args) => {
      if (/nvidia-smi/.test(cmd)) asked.push(cmd);
      return /nvidia-smi/.test(cmd) ? undefined : runTool(cmd, args);
    },
  };
  const sup = new Supervisor({
    recordsDir: ws.recordsDir,
    wrapperScript: await wrapperJs(),
    execPath: process.execPath,
    totalGpus: 1,
    nvidiaSmi: '/opt/cuda/bin/nvidia-smi',
    processes: query,
  });
  const queued = await sup.enqueue(fakePlan(ws, ['--lines', '2', '--interval', '0.05']), { name: 'one' });
  assert.ok(asked.includes('/opt/cuda/bin/nvidia-smi'), `asked: ${asked.join(', ')}`);
  assert.ok(!asked.includes('nvidia-smi'), 'not the one on PATH');
  assert.deepEqual(readQueueSettings(ws.recordsDir), { totalGpus: 1, nvidiaSmi: '/opt/cuda/bin/nvidia-smi' });
  await waitFor(() => readRecord(queued.entry.dir).state === 'succeeded', 'the run to finish', 30_000);
});
