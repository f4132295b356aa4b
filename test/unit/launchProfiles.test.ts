// The multi-gpu / multi-node launch profiles: the accelerate flags they add (never one the user set), the errors that
// name the missing setting, and the GPUs such a plan holds on this machine (gpuNeedOf).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLaunchPlan, LaunchPlanError, slurmJobOf } from '../../src/core/launch/launchPlan';
import { gpuNeedOf, scriptIndex } from '../../src/core/launch/planArgs';
import type { AccelerateOptions, LaunchSettings, SdxlConfig } from '../../src/core/config/config';

const CONFIG = '/proj/configs/dog.sdxl.json';
const model = { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0' };

function plan(launch: LaunchSettings) {
  return buildLaunchPlan({ script: 'lora', args: model, launch } as SdxlConfig, CONFIG, { platform: 'linux', home: '/home/u' });
}

/** The launcher's words between `launch` and the script. */
function launcherWords(launch: LaunchSettings): string[] {
  const p = plan(launch);
  return p.argv.slice(2, scriptIndex(p.argv));
}

function throwsNaming(launch: LaunchSettings, key: RegExp): void {
  assert.throws(
    () => plan(launch),
    (e: unknown) => e instanceof LaunchPlanError && key.test(e.message),
  );
}

const acc = (a: AccelerateOptions & Record<string, unknown>): LaunchSettings['accelerateArgs'] => a;

test('local stays as it was: no flags added, whatever accelerateArgs holds', () => {
  assert.deepEqual(launcherWords({}), []);
  assert.deepEqual(launcherWords({ profile: 'local', accelerateArgs: acc({ num_processes: 2 }) }), ['--num_processes', '2']);
  assert.equal(plan({}).profile, undefined);
});

test('multi-gpu adds --multi_gpu and the process count, from num_processes or the count of gpu_ids', () => {
  assert.deepEqual(launcherWords({ profile: 'multi-gpu', accelerateArgs: acc({ num_processes: 4 }) }), ['--num_processes', '4', '--multi_gpu']);
  assert.deepEqual(launcherWords({ profile: 'multi-gpu', accelerateArgs: acc({ gpu_ids: '0, 2,3' }) }), [
    '--gpu_ids',
    '0, 2,3',
    '--multi_gpu',
    '--num_processes',
    '3',
  ]);
  // Set by the user: written once, where the user put it.
  const words = launcherWords({ profile: 'multi-gpu', accelerateArgs: acc({ multi_gpu: true, num_processes: 2, gpu_ids: '1,2' }) });
  assert.deepEqual(words, ['--multi_gpu', '--num_processes', '2', '--gpu_ids', '1,2']);
  const p = plan({ profile: 'multi-gpu', accelerateArgs: acc({ num_processes: 2 }) });
  assert.equal(p.profile, 'multi-gpu');
  assert.deepEqual(gpuNeedOf(p), { count: 2 });
  assert.deepEqual(gpuNeedOf(plan({ profile: 'multi-gpu', accelerateArgs: acc({ gpu_ids: '3,1' }) })), { indices: [1, 3], count: 2 });
});

test('multi-gpu without a process count is an error naming launch.accelerateArgs.num_processes', () => {
  throwsNaming({ profile: 'multi-gpu' }, /launch\.accelerateArgs\.num_processes/);
  throwsNaming({ profile: 'multi-gpu', accelerateArgs: acc({ gpu_ids: 'all' }) }, /launch\.accelerateArgs\.num_processes/);
  throwsNaming({ profile: 'multi-gpu', accelerateArgs: acc({ num_processes: 0 }) }, /launch\.accelerateArgs\.num_processes must be an integer >= 1/);
  throwsNaming({ profile: 'multi-gpu', accelerateArgs: acc({ num_processes: 1.5 }) }, /launch\.accelerateArgs\.num_processes/);
});

const node = (a: Record<string, unknown>): LaunchSettings => ({
  profile: 'multi-node',
  accelerateArgs: acc({ num_machines: 2, machine_rank: 1, main_process_ip: '10.0.0.1', ...a }),
});

test('multi-node adds the default port and --multi_gpu only with more than one process per machine', () => {
  assert.deepEqual(launcherWords(node({})), ['--num_machines', '2', '--machine_rank', '1', '--main_process_ip', '10.0.0.1', '--main_process_port', '29500']);
  assert.deepEqual(launcherWords(node({ num_processes: 4 })).slice(-3), ['--multi_gpu', '--main_process_port', '29500']);
  assert.ok(!launcherWords(node({ num_processes: 2 })).includes('--multi_gpu'), 'two machines, one process each: not multi-GPU');
  const eight = launcherWords(node({ num_processes: 8, main_process_port: 1234 }));
  assert.equal(eight.filter((w) => w === '--multi_gpu').length, 1);
  assert.equal(eight.filter((w) => w === '--main_process_port').length, 1);
  assert.ok(eight.includes('1234') && !eight.includes('29500'));
  // gpu_ids gives this machine's count; the total over machines is written for accelerate.
  const ids = launcherWords(node({ gpu_ids: '0,1' }));
  assert.deepEqual(ids.slice(ids.indexOf('--gpu_ids')), ['--gpu_ids', '0,1', '--multi_gpu', '--main_process_port', '29500', '--num_processes', '4']);
  // This machine's share of the GPUs.
  assert.deepEqual(gpuNeedOf(plan(node({ num_processes: 8 }))), { count: 4 });
  assert.deepEqual(gpuNeedOf(plan(node({ num_processes: 2 }))), { count: 1 });
  assert.deepEqual(gpuNeedOf(plan(node({ gpu_ids: '2,3' }))), { indices: [2, 3], count: 2 });
});

test('multi-node errors name the setting: num_machines, machine_rank, main_process_ip, a total not split evenly', () => {
  throwsNaming({ profile: 'multi-node', accelerateArgs: acc({ machine_rank: 0, main_process_ip: 'h' }) }, /launch\.accelerateArgs\.num_machines/);
  throwsNaming(node({ num_machines: 1 }), /num_machines >= 2/);
  throwsNaming(node({ machine_rank: undefined }), /launch\.accelerateArgs\.machine_rank/);
  throwsNaming(node({ machine_rank: 2 }), /machine_rank 2 must be below num_machines \(2\)/);
  throwsNaming(node({ main_process_ip: undefined }), /launch\.accelerateArgs\.main_process_ip/);
  throwsNaming(node({ main_process_ip: ' ' }), /launch\.accelerateArgs\.main_process_ip/);
  throwsNaming(node({ num_processes: 3 }), /num_processes \(3\) is the total over all machines/);
});

test('slurm: no local flags; launch.slurm problems name the key, the first one thrown', () => {
  assert.deepEqual(launcherWords({ profile: 'slurm', slurm: { nodes: 2 } }), []);
  assert.deepEqual(slurmJobOf({ nodes: 2, time: '12:00:00' }), { nodes: 2, gpusPerNode: 1, time: '12:00:00' });
  assert.throws(() => slurmJobOf({ setup: ['ok', 'a\nb'] }), /launch\.slurm\.setup\[1\] must be one line/);
  assert.throws(() => slurmJobOf({ nodes: '2' }), /launch\.slurm\.nodes must be an integer >= 1/);
  assert.throws(() => slurmJobOf({ partiton: 'gpu' }), /unknown key "partiton"/);
  assert.throws(() => slurmJobOf({ mainProcessPort: 70000 }), /launch\.slurm\.mainProcessPort must be a port/);
  assert.throws(() => slurmJobOf([]), /launch\.slurm must be an object/);
});
