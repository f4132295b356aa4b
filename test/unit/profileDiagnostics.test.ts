// Diagnostics of the launch profiles: launch.slurm's keys, multi-gpu against the GPUs found, what multi-node needs,
// accelerate options a Slurm job sets itself, and the total batch when several processes train.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, type Diagnostic, type GpuInfo } from '../../src/core/diagnostics';
import { applyFix } from '../../src/core/config/fixes';
import { slurmJobOf } from '../../src/core/launch/launchPlan';

const args = {
  pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
  train_data_dir: 'data',
  mixed_precision: 'bf16',
  train_batch_size: 2,
  gradient_accumulation_steps: 4,
  validation_prompt: 'a dog',
  caption_column: 'caption',
};

function doc(launch: unknown): string {
  return JSON.stringify({ script: 'lora', launch, args }, null, 2);
}

const gpus = (n: number): GpuInfo[] => Array.from({ length: n }, (_, index) => ({ index, name: 'RTX', memoryTotalMiB: 81920 }));

function diags(launch: unknown, g?: GpuInfo[]): Diagnostic[] {
  return validateConfig(doc(launch), g ? { gpus: g } : {});
}

function one(ds: Diagnostic[], code: string, path?: string): Diagnostic {
  const hits = ds.filter((d) => d.code === code && (path === undefined || d.path === path));
  assert.equal(hits.length, 1, `one ${code}${path ? ` at ${path}` : ''} in ${JSON.stringify(ds.map((d) => [d.code, d.path, d.message]))}`);
  return hits[0]!;
}

const none = (ds: Diagnostic[], code: string) => assert.ok(!ds.some((d) => d.code === code), `no ${code}: ${JSON.stringify(ds.map((d) => d.code))}`);

test('a plain local config gets no profile diagnostic', () => {
  const ds = diags({});
  for (const code of ['profile-setting', 'slurm-ignored', 'batch-per-process', 'multi-gpu-one-process']) none(ds, code);
});

test('launch.slurm: unknown key with did-you-mean and a rename fix, types, line breaks, each at its key', () => {
  const text = doc({ profile: 'slurm', slurm: { partiton: 'gpu', nodes: '2', time: '12:00:00', setup: ['module load cuda', 'a\nb'] } });
  const ds = validateConfig(text);
  const unknown = one(ds, 'unknown-key', '/launch/slurm/partiton');
  assert.equal(unknown.severity, 'error');
  assert.match(unknown.message, /did you mean "partition"/);
  assert.match(applyFix(text, unknown.fix!), /"partition": "gpu"/);
  assert.match(one(ds, 'type', '/launch/slurm/nodes').message, /launch\.slurm\.nodes must be an integer >= 1/);
  assert.match(one(ds, 'slurm-line-break', '/launch/slurm/setup/1').message, /setup\[1\] must be one line/);
  none(ds, 'slurm-ignored');
});

test("launch.slurm.time in a form sbatch refuses ('1 hour', '2h') is an error at its key naming the forms sbatch takes", () => {
  for (const time of ['1 hour', '2h', '12:00:00:00']) {
    const ds = diags({ profile: 'slurm', slurm: { time } });
    const d = one(ds, 'range', '/launch/slurm/time');
    assert.equal(d.severity, 'error');
    assert.match(d.message, /launch\.slurm\.time .*"hours:minutes:seconds"/);
  }
  for (const time of ['90', '30:00', '12:00:00', '1-12', '2-00:30', '1-12:00:00', 'UNLIMITED', 'infinite'])
    none(diags({ profile: 'slurm', slurm: { time } }), 'range');
  assert.throws(() => slurmJobOf({ time: '2h' }), /launch\.slurm\.time/);
});

test('launch.slurm with another profile: a hint that it is ignored, and its problems only warn', () => {
  const ds = diags({ slurm: { nodes: 0 } });
  assert.equal(one(ds, 'slurm-ignored', '/launch/slurm').severity, 'info');
  assert.equal(one(ds, 'range', '/launch/slurm/nodes').severity, 'warning');
  none(diags({ profile: 'slurm', slurm: { nodes: 1 } }), 'slurm-ignored');
});

test('multi-gpu: more processes than GPUs, none found, one process, a gpu_id that does not exist, no count', () => {
  const four = diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 4 } }, gpus(2));
  const many = one(four, 'multi-gpu-too-many-processes', '/launch/accelerateArgs/num_processes');
  assert.match(many.message, /num_processes 4 is more than the 2 GPU/);
  assert.match(applyFix(doc({ profile: 'multi-gpu', accelerateArgs: { num_processes: 4 } }), many.fix!), /"num_processes": 2/);
  none(diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 2 } }, gpus(2)), 'multi-gpu-too-many-processes');
  // No nvidia-smi facts: not checked.
  none(diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 4 } }), 'multi-gpu-too-many-processes');
  assert.match(one(diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 2 } }, []), 'multi-gpu-no-gpus').message, /found no GPU/);
  assert.match(one(diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 1 } }), 'multi-gpu-one-process').message, /not multi-GPU/);
  const ids = one(diags({ profile: 'multi-gpu', accelerateArgs: { gpu_ids: '1,5' } }, gpus(2)), 'gpu-id-missing', '/launch/accelerateArgs/gpu_ids');
  assert.match(ids.message, /GPU 5, which this machine does not have/);
  const missing = one(diags({ profile: 'multi-gpu' }), 'profile-setting', '/launch/profile');
  assert.equal(missing.severity, 'error');
  assert.match(missing.message, /launch\.accelerateArgs\.num_processes/);
});

test('multi-node: missing num_machines / machine_rank / main_process_ip, rank beyond the machines', () => {
  const ds = diags({ profile: 'multi-node', accelerateArgs: { num_processes: 4 } });
  const messages = ds.filter((d) => d.code === 'profile-setting').map((d) => d.message);
  assert.equal(messages.length, 3, JSON.stringify(messages));
  for (const key of ['num_machines', 'machine_rank', 'main_process_ip'])
    assert.ok(
      messages.some((m) => m.includes(`launch.accelerateArgs.${key}`)),
      key,
    );
  const rank = one(
    diags({ profile: 'multi-node', accelerateArgs: { num_machines: 2, machine_rank: 2, main_process_ip: '10.0.0.1' } }),
    'profile-setting',
    '/launch/accelerateArgs/machine_rank',
  );
  assert.match(rank.message, /must be below num_machines \(2\)/);
  none(diags({ profile: 'multi-node', accelerateArgs: { num_machines: 2, machine_rank: 1, main_process_ip: '10.0.0.1' } }), 'profile-setting');
});

test('slurm: accelerate options the job script sets warn, with a fix removing them', () => {
  const launch = { profile: 'slurm', slurm: { nodes: 2 }, accelerateArgs: { num_processes: 8, multi_gpu: true, mixed_precision: 'bf16' } };
  const ds = diags(launch);
  const np = one(ds, 'slurm-sets-accelerate-arg', '/launch/accelerateArgs/num_processes');
  assert.equal(np.severity, 'warning');
  one(ds, 'slurm-sets-accelerate-arg', '/launch/accelerateArgs/multi_gpu');
  assert.equal(ds.filter((d) => d.code === 'slurm-sets-accelerate-arg').length, 2);
  assert.doesNotMatch(applyFix(doc(launch), np.fix!), /num_processes/);
});

test('the total batch per optimizer step, for every profile with more than one process', () => {
  const info = one(diags({ profile: 'multi-gpu', accelerateArgs: { num_processes: 4 } }), 'batch-per-process', '/args/train_batch_size');
  assert.equal(info.severity, 'info');
  assert.match(info.message, /2 × 4 processes × 4 accumulation = 32/);
  assert.match(one(diags({ profile: 'slurm', slurm: { nodes: 2, gpusPerNode: 4 } }), 'batch-per-process').message, /2 × 8 processes × 4 accumulation = 64/);
  assert.match(
    one(diags({ profile: 'multi-node', accelerateArgs: { num_machines: 2, machine_rank: 0, main_process_ip: 'h', num_processes: 6 } }), 'batch-per-process')
      .message,
    /= 48/,
  );
  assert.match(one(diags({ accelerateArgs: { num_processes: 2 } }), 'batch-per-process').message, /2 × 2 processes/);
  none(diags({ profile: 'slurm', slurm: { nodes: 1, gpusPerNode: 1 } }), 'batch-per-process');
});

test('slurm: an sbatchArgs --export without ALL warns that secrets would not reach the job, with a fix adding ALL', () => {
  const launch = (sbatchArgs: unknown[], profile = 'slurm') => ({ profile, slurm: { sbatchArgs } });
  const none_ = one(diags(launch(['--mail-type=END', '--export=NONE'])), 'slurm-export', '/launch/slurm/sbatchArgs/1');
  assert.equal(none_.severity, 'warning');
  assert.match(none_.message, /none of sbatch's environment.*HF_TOKEN/);
  const fixed = applyFix(doc(launch(['--mail-type=END', '--export=NONE'])), none_.fix!);
  assert.deepEqual((JSON.parse(fixed) as { launch: { slurm: { sbatchArgs: string[] } } }).launch.slurm.sbatchArgs, ['--mail-type=END', '--export=ALL']);
  none(validateConfig(fixed, {}), 'slurm-export');
  // Only the named variables: the fix keeps them after ALL.
  const named = one(diags(launch(['--export PATH,CUDA_HOME'])), 'slurm-export', '/launch/slurm/sbatchArgs/0');
  assert.match(named.message, /only the named variables/);
  assert.match(applyFix(doc(launch(['--export PATH,CUDA_HOME'])), named.fix!), /"--export=ALL,PATH,CUDA_HOME"/);
  // ALL in any case and position, --export-file, another option, or another profile: nothing.
  for (const ok of [['--export=ALL'], ['--export=all,FOO=1'], ['--export=FOO,ALL'], ['--export-file=env.txt'], ['--exclusive']])
    none(diags(launch(ok)), 'slurm-export');
  none(diags(launch(['--export=NONE'], 'local')), 'slurm-export');
});
