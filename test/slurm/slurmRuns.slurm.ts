// Runs of the slurm profile on a real Slurm (scripts/slurm-cluster.sh: Slurm 22.05.8, one node on loopback, no GPU):
// the generated job.sbatch submitted with sbatch, the console Slurm writes parsed, the end read from scontrol. The
// stand-in trainer (behind the fake accelerate) plays the training; realWorker.slurm.ts runs the real script.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { SBATCH_FILE } from '../../src/core/launch/sbatchScript';
import { listRuns, readExit, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { spawnSync } from 'node:child_process';
import { repoRoot, waitFor } from '../unit/supervisorTestKit';
import {
  ended,
  followSlurm,
  nodeCpus,
  slurmOrSkip,
  slurmSupervisor,
  slurmWorkspace,
  startSlurmConfig,
  writeSlurmConfig,
  type SlurmWorkspace,
} from './slurmCluster';

const skip = slurmOrSkip();
const opts = { skip, timeout: 240_000 };
const TOKEN = 'hf_slurmtestTOKENabcdefghijklmnopqrstu';
const suiteStart = Date.now();

const workspaces: SlurmWorkspace[] = [];
// A test that failed half-way leaves no job behind to hold the node's CPUs for the next test.
afterEach(() => {
  for (const ws of workspaces) {
    for (const { record } of listRuns(ws.recordsDir)) {
      if (record.slurm && (record.state === 'starting' || record.state === 'running')) spawnSync('scancel', [record.slurm.jobId]);
    }
  }
});
after(() => {
  for (const ws of workspaces) ws.cleanup();
  if (!skip) console.log(`# the Slurm stand-in tests took ${((Date.now() - suiteStart) / 1000).toFixed(0)} s`);
});

/** A workspace with the demo images and a config training the stand-in (4 fast steps unless said otherwise). */
function standin(name: string, env: Record<string, string> = {}, args: Record<string, unknown> = {}, slurm: Record<string, unknown> = {}) {
  const ws = slurmWorkspace();
  workspaces.push(ws);
  // Preflight wants the script file; the fake accelerate runs the stand-in in its place.
  writeFileSync(join(ws.root, 'train_text_to_image_lora_sdxl.py'), '');
  const file = writeSlurmConfig(
    ws,
    name,
    'lora',
    {
      accelerate: join(repoRoot, 'test', 'fixtures', 'fake-bin', 'accelerate'),
      scriptPath: 'train_text_to_image_lora_sdxl.py',
      env: { SDXL_STANDIN_TRAINER: '1', STANDIN_STEP_SECONDS: '0.05', STANDIN_PRECOMPUTE_SECONDS: '0.01', STANDIN_VALIDATION_SECONDS: '0.01', ...env },
    },
    {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      train_data_dir: join(repoRoot, 'demo-workspace', 'data'),
      resolution: 512,
      train_batch_size: 1,
      max_train_steps: 4,
      checkpointing_steps: 2,
      report_to: 'tensorboard',
      output_dir: './out',
      ...args,
    },
    slurm,
  );
  return { ws, file };
}

test('a stand-in run through sbatch to the end: succeeded, console parsed, no token in the job script', opts, async () => {
  const { ws, file } = standin('ok', { HF_TOKEN: TOKEN });
  const sup = await slurmSupervisor(ws);
  const entry = await startSlurmConfig(sup, file);
  assert.match(entry.dir, / /, 'the record folder path holds a space');
  const script = readFileSync(join(entry.dir, SBATCH_FILE), 'utf8');
  assert.ok(!script.includes(TOKEN), 'the job script holds no token');
  const monitor = followSlurm(sup, entry);
  const state = await ended(monitor, 120_000, 'the Slurm job');
  monitor.stop();
  assert.equal(state.state, 'finished', readFileSync(recordFiles(entry.dir).console, 'utf8').slice(-2000));
  assert.equal(state.step, 4);
  assert.equal(state.totalSteps, 4);
  const record = readRecord(entry.dir);
  assert.deepEqual([record.state, record.exitCode, record.slurm?.state], ['succeeded', 0, 'COMPLETED']);
  assert.ok(record.slurm?.nodes, 'the node it ran on');
  assert.match(readFileSync(recordFiles(entry.dir).console, 'utf8'), new RegExp(`SDXL_SLURM job=${record.slurm!.jobId} `));
  assert.ok(existsSync(join(ws.root, 'out', 'checkpoint-4')), 'output_dir written through --chdir');
});

test('a failing job (stand-in failure switch) ends failed with its exit code', opts, async () => {
  const { ws, file } = standin('bad', { STANDIN_FAIL: 'argparse' });
  const sup = await slurmSupervisor(ws);
  const entry = await startSlurmConfig(sup, file);
  const monitor = followSlurm(sup, entry);
  const state = await ended(monitor, 120_000, 'the failing job');
  monitor.stop();
  assert.equal(state.state, 'failed');
  const record = readRecord(entry.dir);
  // accelerate launch exits 1 when its script fails (the script's 2 is in the console), as a local run records it.
  assert.deepEqual([record.state, record.slurm?.state, record.exitCode, record.slurm?.reason], ['failed', 'FAILED', 1, 'NonZeroExitCode']);
  assert.equal(readExit(entry.dir)?.exitCode, 1);
  assert.equal(state.failure?.class, 'argparse');
});

test('stop cancels a running job: scancel, the run ends stopped', opts, async () => {
  const { ws, file } = standin('cancel', { STANDIN_STEP_SECONDS: '1' }, { max_train_steps: 200 });
  const sup = await slurmSupervisor(ws);
  const entry = await startSlurmConfig(sup, file);
  await waitFor(async () => (await sup.get(entry.record.id)).record.state === 'running', 'the job to run', 60_000);
  const consoleText = () => (existsSync(recordFiles(entry.dir).console) ? readFileSync(recordFiles(entry.dir).console, 'utf8') : '');
  await waitFor(() => /Steps:/.test(consoleText()), 'training steps in the console', 60_000);
  const record = await sup.stop(entry.record.id);
  assert.equal(record.state, 'stopped');
  assert.equal(record.slurm?.state, 'CANCELLED');
  assert.equal(readExit(entry.dir)?.stopRequested, true);
});

test('reattach: a new Supervisor and monitor find the running job by its id and follow it to the end', opts, async () => {
  const { ws, file } = standin('reattach', { STANDIN_STEP_SECONDS: '0.5' }, { max_train_steps: 12, checkpointing_steps: 6 });
  const first = await slurmSupervisor(ws);
  const entry = await startSlurmConfig(first, file);
  await waitFor(async () => (await first.get(entry.record.id)).record.state === 'running', 'the job to run', 60_000);
  // A window reload: nothing of the first Supervisor is kept but the record.
  const again = await slurmSupervisor(ws);
  const seen = await again.get(entry.record.id);
  assert.equal(seen.record.state, 'running');
  assert.equal(seen.record.slurm?.jobId, entry.record.slurm!.jobId);
  const monitor = followSlurm(again, seen);
  const state = await ended(monitor, 120_000, 'the reattached job');
  monitor.stop();
  assert.equal(state.state, 'finished');
  assert.equal(state.step, 12);
  assert.equal(readRecord(entry.dir).state, 'succeeded');
});

test('a job pending for resources shows PENDING (Resources), then runs once the first job is cancelled', opts, async () => {
  const cpus = nodeCpus();
  const big = standin('big', { STANDIN_STEP_SECONDS: '1' }, { max_train_steps: 200 }, { cpusPerTask: cpus });
  const small = standin('small');
  const supBig = await slurmSupervisor(big.ws);
  const supSmall = await slurmSupervisor(small.ws);
  const first = await startSlurmConfig(supBig, big.file);
  await waitFor(async () => (await supBig.get(first.record.id)).record.state === 'running', 'the first job to run', 60_000);
  const second = await startSlurmConfig(supSmall, small.file);
  await waitFor(async () => (await supSmall.get(second.record.id)).record.slurm?.reason === 'Resources', 'the second job to wait for resources', 30_000);
  const pending = (await supSmall.get(second.record.id)).record;
  assert.deepEqual([pending.state, pending.slurm?.state, pending.slurm?.reason], ['starting', 'PENDING', 'Resources']);
  assert.equal((await supBig.stop(first.record.id)).state, 'stopped');
  const monitor = followSlurm(supSmall, second);
  const state = await ended(monitor, 120_000, 'the second job');
  monitor.stop();
  assert.equal(state.state, 'finished');
  assert.equal(readRecord(second.dir).state, 'succeeded');
});
