// Runs the stand-in trainer (test/fixtures/trainer/standin_trainer.py) through the fake `accelerate` for each failure
// class it simulates, records the run like the supervisor does (console.log + run.json), and checks `summarize`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizePath } from '../../src/core/monitor/summarize';
import type { ScriptKind } from '../../src/core/scripts/scriptTables';

const ROOT = join(__dirname, '..', '..');
const ACCELERATE = join(ROOT, 'test', 'fixtures', 'fake-bin', 'accelerate');
const FILES: Record<ScriptKind, string> = {
  full: 'train_text_to_image_sdxl.py',
  lora: 'train_text_to_image_lora_sdxl.py',
  'dreambooth-lora': 'train_dreambooth_lora_sdxl.py',
};

interface Case {
  name: string;
  script: ScriptKind;
  env?: Record<string, string>;
  launch?: string[];
  args?: string[];
  expect: { state: string; failure: string | null; configKey?: string };
}

const CASES: Case[] = [
  { name: 'success', script: 'full', expect: { state: 'succeeded', failure: null } },
  { name: 'lora success', script: 'lora', expect: { state: 'succeeded', failure: null } },
  { name: 'dreambooth success', script: 'dreambooth-lora', args: ['--instance_prompt=a sks dog'], expect: { state: 'succeeded', failure: null } },
  {
    name: 'cuda_oom',
    script: 'full',
    env: { STANDIN_FAIL: 'cuda_oom' },
    expect: { state: 'failed', failure: 'cuda_oom', configKey: '/args/gradient_checkpointing' },
  },
  { name: 'host_oom_killed', script: 'full', env: { STANDIN_FAIL: 'host_oom_killed' }, expect: { state: 'failed', failure: 'host_oom_killed' } },
  {
    name: 'missing xformers',
    script: 'lora',
    env: { STANDIN_FAIL: 'missing_package' },
    args: ['--enable_xformers_memory_efficient_attention'],
    expect: { state: 'failed', failure: 'missing_package', configKey: '/args/enable_xformers_memory_efficient_attention' },
  },
  {
    name: 'missing tensorboard',
    script: 'full',
    env: { STANDIN_MISSING: 'tensorboard' },
    expect: { state: 'succeeded', failure: 'missing_package', configKey: '/args/report_to' },
  },
  { name: 'dataset_columns', script: 'full', env: { STANDIN_FAIL: 'dataset_columns' }, expect: { state: 'failed', failure: 'dataset_columns' } },
  { name: 'argparse', script: 'full', env: { STANDIN_FAIL: 'argparse' }, expect: { state: 'failed', failure: 'argparse' } },
  { name: 'diffusers_version', script: 'lora', env: { STANDIN_FAIL: 'diffusers_version' }, expect: { state: 'failed', failure: 'diffusers_version' } },
  { name: 'nan_loss', script: 'full', env: { STANDIN_FAIL: 'nan_loss' }, expect: { state: 'succeeded', failure: 'nan_loss' } },
  { name: 'hub_auth', script: 'full', env: { STANDIN_FAIL: 'hub_auth' }, args: ['--push_to_hub'], expect: { state: 'failed', failure: 'hub_auth' } },
  {
    name: 'distributed',
    script: 'full',
    env: { STANDIN_FAIL: 'distributed', FAKE_GPU_COUNT: '2' },
    launch: ['--num_processes=2'],
    expect: { state: 'failed', failure: 'distributed' },
  },
  { name: 'disk_full', script: 'full', env: { STANDIN_FAIL: 'disk_full' }, expect: { state: 'failed', failure: 'disk_full' } },
];

/** Launches like the supervisor: argument array, merged output into console.log, then run.json with the exit. */
async function runCase(c: Case, dir: string): Promise<string> {
  const rec = join(dir, 'record');
  mkdirSync(rec);
  const argv = [
    ACCELERATE,
    'launch',
    ...(c.launch ?? []),
    FILES[c.script],
    '--pretrained_model_name_or_path=stabilityai/stable-diffusion-xl-base-1.0',
    '--dataset_name=some/dataset',
    '--output_dir=out',
    '--max_train_steps=4',
    '--checkpointing_steps=2',
    '--train_batch_size=1',
    ...(c.args ?? []),
  ];
  const log = createWriteStream(join(rec, 'console.log'));
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: dir,
    env: {
      ...process.env,
      SDXL_STANDIN_TRAINER: '1',
      STANDIN_STEP_SECONDS: '0.01',
      STANDIN_PRECOMPUTE_SECONDS: '0.01',
      STANDIN_VALIDATION_SECONDS: '0.01',
      STANDIN_FAIL_AT_STEP: '2',
      PYTHONUNBUFFERED: '1',
      ...c.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const [code, signal] = await new Promise<[number | null, string | null]>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res([code, signal]));
  });
  await new Promise<void>((res) => log.end(res));
  writeFileSync(
    join(rec, 'run.json'),
    JSON.stringify({
      id: 'r',
      script: c.script,
      state: code === 0 ? 'succeeded' : 'failed',
      exitCode: code,
      signal,
      plan: { argv, cwd: dir, env: {}, script: c.script },
      outputDir: join(dir, 'out'),
    }),
  );
  return rec;
}

const python = existsSync('/usr/bin/python3') || existsSync('/usr/local/bin/python3');

for (const c of CASES) {
  test(`stand-in: ${c.name}`, { skip: !python && 'python3 not available', timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-'));
    try {
      const rec = await runCase(c, dir);
      const { summary } = await summarizePath(rec);
      assert.equal(summary.script, c.script);
      assert.equal(summary.state, c.expect.state);
      assert.equal(summary.failure?.class ?? null, c.expect.failure, JSON.stringify(summary.failure));
      if (c.expect.configKey) assert.equal(summary.failure!.configKey, c.expect.configKey);
      if (c.expect.state === 'succeeded') {
        assert.equal(summary.step, 4);
        assert.equal(summary.totalSteps, 4);
        assert.deepEqual(summary.checkpoints, [
          { step: 2, complete: true },
          { step: 4, complete: true },
        ]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
