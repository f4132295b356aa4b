// The doctor against the real worker's venv (diffusers v0.27.2, torch 1.13 CPU build): what it reports must be true
// of that environment — torch without CUDA, diffusers at or above the script's check_min_version, tensorboard
// present, accelerate's CPU config found under the HF_HOME the run gets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import type { DoctorReport } from '../../src/core/env/doctor';
import { realLaunch, realWorkerOrSkip, tinyArgs } from './realWorker';

const { worker, skip } = realWorkerOrSkip();
const opts = { skip, timeout: 180_000 };

async function doctor(args: string[], cwd: string): Promise<{ code: number; report: DoctorReport; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd };
  const code = await main(['doctor', '--json', ...args], io);
  return { code, report: JSON.parse(out) as DoctorReport, err };
}

const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id);

test(
  "real doctor: the worker's venv with its config — torch 1.13 without CUDA, diffusers 0.27.2 ≥ the script's 0.27.0, accelerate config found",
  opts,
  async () => {
    const w = worker!;
    const dir = mkdtempSync(join(tmpdir(), 'sdxl-doctor-real-'));
    writeFileSync(join(dir, 'tiny.sdxl.json'), JSON.stringify({ script: 'dreambooth-lora', launch: realLaunch(w), args: tinyArgs(w, {}) }, null, 2));
    const python = join(w.dest, 'venv', 'bin', 'python');
    const { code, report } = await doctor(['--python', python, '--config', 'tiny.sdxl.json'], dir);
    assert.equal(code, 0, JSON.stringify(report, null, 2));
    assert.equal(report.status, 'warn', 'a CPU-only torch is a warning, nothing is an error');
    assert.match(report.probe!.python.version, /^3\./);
    assert.match(report.probe!.torch!.version, /^1\.13\./);
    assert.equal(report.probe!.torch!.cuda, null);
    assert.equal(report.probe!.torch!.cudaAvailable, false);
    assert.equal(check(report, 'cuda')?.status, 'warn');
    assert.match(check(report, 'cuda')!.message, /built without CUDA/);
    assert.equal(check(report, 'diffusers')?.status, 'ok');
    assert.match(
      check(report, 'diffusers')!.message,
      /^diffusers 0\.27\.2 \(the script needs 0\.27\.0 or newer \(check_min_version in .*train_dreambooth_lora_sdxl\.py\)\)$/,
    );
    assert.equal(check(report, 'tensorboard')?.status, 'ok');
    assert.equal(check(report, 'peft')?.status, 'ok');
    const ac = check(report, 'accelerate-config')!;
    assert.equal(ac.status, 'ok');
    assert.equal(report.probe!.accelerateConfig.path, join(w.hfHome, 'accelerate', 'default_config.yaml'));
    assert.match(ac.message, /num_processes 1, mixed_precision no, distributed_type NO, use_cpu true/);
  },
);

test("real doctor: --python alone reads accelerate's config from the HF_HOME it inherits (env.sh's)", opts, async () => {
  const w = worker!;
  const before = process.env.HF_HOME;
  process.env.HF_HOME = w.hfHome;
  try {
    const { code, report } = await doctor(['--python', join(w.dest, 'venv', 'bin', 'python')], tmpdir());
    assert.equal(code, 0);
    assert.equal(check(report, 'accelerate-config')?.status, 'ok');
    assert.equal(check(report, 'torch')?.status, 'ok');
    assert.equal(check(report, 'diffusers')?.status, 'ok');
  } finally {
    if (before === undefined) delete process.env.HF_HOME;
    else process.env.HF_HOME = before;
  }
});
