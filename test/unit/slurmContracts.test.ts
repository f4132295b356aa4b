// The scale-out contracts: the launch profile, launch.slurm's checks, the sbatch script's shape, Slurm's states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLaunchPlan, LaunchPlanError, slurmJobOf } from '../../src/core/launch/launchPlan';
import { gpuNeedOf } from '../../src/core/launch/planArgs';
import { distributedWords, sbatchScript } from '../../src/core/launch/sbatchScript';
import { runStatusOfSlurm } from '../../src/core/supervisor/slurmTypes';
import type { SdxlConfig } from '../../src/core/config/config';

const config = (launch: SdxlConfig['launch']): SdxlConfig => ({
  script: 'dreambooth-lora',
  launch,
  args: { pretrained_model_name_or_path: 'm', instance_data_dir: "it's data", instance_prompt: 'a sks dog' },
});

test('profile: local by default with no profile field on the plan; the option overrides launch.profile', () => {
  const local = buildLaunchPlan(config({}), '/w/a.sdxl.json');
  assert.equal(local.profile, undefined);
  assert.equal(local.slurm, undefined);
  const slurm = buildLaunchPlan(config({ profile: 'slurm' }), '/w/a.sdxl.json');
  assert.equal(slurm.profile, 'slurm');
  assert.deepEqual(slurm.slurm, { nodes: 1, gpusPerNode: 1 });
  assert.equal(buildLaunchPlan(config({ profile: 'slurm' }), '/w/a.sdxl.json', { profile: 'local' }).slurm, undefined);
  assert.throws(
    () => buildLaunchPlan(config({ profile: 'cloud' as never }), '/w/a.sdxl.json'),
    /launch\.profile must be one of local, multi-gpu, multi-node, slurm/,
  );
});

test('slurmJobOf names the key of each bad setting', () => {
  assert.throws(
    () => slurmJobOf({ nodes: 0 }),
    (e: unknown) => e instanceof LaunchPlanError && /launch\.slurm\.nodes must be an integer >= 1/.test(e.message),
  );
  assert.throws(() => slurmJobOf({ time: '1:00:00\n#SBATCH --x' }), /launch\.slurm\.time must be one line/);
  assert.throws(() => slurmJobOf({ setup: ['ok', 3] }), /launch\.slurm\.setup\[1\] must be a string/);
  assert.throws(() => slurmJobOf({ mainProcessPort: 70000 }), /launch\.slurm\.mainProcessPort must be a port/);
  assert.throws(() => slurmJobOf({ partion: 'gpu' }), /unknown key "partion"/);
  assert.throws(() => slurmJobOf('gpu'), /launch\.slurm must be an object/);
  assert.deepEqual(slurmJobOf({ gpusPerNode: 0, partition: '', time: '1:00:00' }), { nodes: 1, gpusPerNode: 0, time: '1:00:00' });
});

test("a Slurm plan holds none of this machine's GPUs", () => {
  assert.deepEqual(gpuNeedOf(buildLaunchPlan(config({ profile: 'slurm', accelerateArgs: { num_processes: 4 } }), '/w/a.sdxl.json')), { count: 0, indices: [] });
});

test('distributedWords: one process; several GPUs on one node; several nodes with rank and rendezvous from Slurm', () => {
  assert.deepEqual(distributedWords({ nodes: 1, gpusPerNode: 1 }), ['--num_processes', '1']);
  assert.deepEqual(distributedWords({ nodes: 1, gpusPerNode: 0 }), ['--num_processes', '1']);
  assert.deepEqual(distributedWords({ nodes: 1, gpusPerNode: 4 }), ['--multi_gpu', '--num_processes', '4']);
  assert.deepEqual(distributedWords({ nodes: 2, gpusPerNode: 2, mainProcessPort: 29600 }), [
    '--multi_gpu',
    '--num_processes',
    '4',
    '--num_machines',
    '2',
    '--machine_rank',
    '"$SLURM_NODEID"',
    '--main_process_ip',
    '"$SDXL_MAIN_PROCESS_IP"',
    '--main_process_port',
    '29600',
  ]);
});

test('sbatchScript: options, exports, setup and the srun line with every plan word quoted', () => {
  const plan = buildLaunchPlan(
    config({
      profile: 'slurm',
      python: '/opt/venv/bin/python',
      slurm: { partition: 'gpu', time: '12:00:00', setup: ['module load cuda'], sbatchArgs: ['--constraint=a100'] },
    }),
    '/w/a.sdxl.json',
  );
  const text = sbatchScript(plan, { outputFile: '/w/.sdxl/runs/r1/console.log', jobName: 'my run!', exportEnv: { PYTHONUNBUFFERED: '1', 'BAD NAME': 'x' } });
  const lines = text.split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  for (const l of [
    '#SBATCH --job-name=my-run-',
    '#SBATCH --output=/w/.sdxl/runs/r1/console.log',
    '#SBATCH --chdir=/w',
    '#SBATCH --nodes=1',
    '#SBATCH --gpus-per-node=1',
    '#SBATCH --partition=gpu',
    '#SBATCH --time=12:00:00',
    '#SBATCH --constraint=a100',
    'export PYTHONUNBUFFERED=1',
    'module load cuda',
  ]) {
    assert.ok(lines.includes(l), `missing line ${l}\n${text}`);
  }
  assert.ok(!text.includes('BAD NAME'), 'a variable name the shell cannot take is left out');
  const srun = lines.find((l) => l.startsWith('srun '))!;
  assert.equal(
    srun,
    "srun --ntasks=1 --kill-on-bad-exit=1 /opt/venv/bin/accelerate launch --num_processes 1 train_dreambooth_lora_sdxl.py --pretrained_model_name_or_path m --instance_data_dir 'it'\\''s data' --instance_prompt 'a sks dog'",
  );
  // The options come before the first command: sbatch stops reading #SBATCH lines there.
  const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
  const sbatchLines = lines.flatMap((l, i) => (l.startsWith('#SBATCH') ? [i] : []));
  assert.ok(sbatchLines.every((i) => i < firstCommand));
  assert.throws(() => sbatchScript(buildLaunchPlan(config({}), '/w/a.sdxl.json'), { outputFile: 'x', jobName: 'y' }), /no Slurm job/);
});

test('runStatusOfSlurm maps Slurm job states to run states', () => {
  const cases: Array<[string, string]> = [
    ['PENDING', 'starting'],
    ['CONFIGURING', 'starting'],
    ['RUNNING', 'running'],
    ['COMPLETING', 'running'],
    ['COMPLETED', 'succeeded'],
    ['CANCELLED by 0', 'stopped'],
    ['CANCELLED+', 'stopped'],
    ['FAILED', 'failed'],
    ['TIMEOUT', 'failed'],
    ['OUT_OF_MEMORY', 'failed'],
    ['NODE_FAIL', 'failed'],
    ['something new', 'running'],
  ];
  for (const [state, run] of cases) assert.equal(runStatusOfSlurm(state), run, state);
});
