// The real DreamBooth LoRA script (diffusers v0.27.2, tiny SDXL, CPU: .cache/real-worker) trained through a Slurm job:
// launch.profile "slurm", the generated job.sbatch, `srun accelerate launch …` on the one-node cluster, followed by
// the RunMonitor from the console Slurm writes. Skipped without the worker unless SDXL_REQUIRE_REAL_WORKER=1.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { realLaunch, realWorkerOrSkip, tinyArgs } from '../real/realWorker';
import { ended, followSlurm, slurmOrSkip, slurmSupervisor, slurmWorkspace, startSlurmConfig, writeSlurmConfig, type SlurmWorkspace } from './slurmCluster';

const slurmSkip = slurmOrSkip();
const { worker, skip: workerSkip } = slurmSkip ? { worker: undefined, skip: slurmSkip } : realWorkerOrSkip();
let ws: SlurmWorkspace | undefined;
after(() => ws?.cleanup());

test('the real DreamBooth LoRA script trained by a Slurm job to the end', { skip: workerSkip, timeout: 600_000 }, async () => {
  assert.ok(worker);
  const started = Date.now();
  ws = slurmWorkspace();
  const sup = await slurmSupervisor(ws);
  const args = tinyArgs(worker, { max_train_steps: 4, checkpointing_steps: 2 });
  const file = writeSlurmConfig(ws, 'tiny', 'dreambooth-lora', realLaunch(worker), { ...args, output_dir: './out' });
  const entry = await startSlurmConfig(sup, file);
  const monitor = followSlurm(sup, entry);
  const state = await ended(monitor, 540_000, 'the real training as a Slurm job');
  monitor.stop();
  const consoleText = readFileSync(recordFiles(entry.dir).console, 'utf8');
  assert.equal(state.state, 'finished', `${JSON.stringify(state.failure)}\n${consoleText.slice(-3000)}`);
  assert.equal(state.script, 'dreambooth-lora');
  assert.deepEqual([state.step, state.totalSteps], [4, 4]);
  assert.equal(state.banner.numExamples, 4);
  const record = readRecord(entry.dir);
  assert.deepEqual([record.state, record.exitCode, record.slurm?.state], ['succeeded', 0, 'COMPLETED']);
  assert.ok(existsSync(join(ws.root, 'out', 'pytorch_lora_weights.safetensors')), 'the LoRA weights in output_dir');
  console.log(`# the real Slurm run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
});
