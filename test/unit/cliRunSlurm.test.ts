// `sdxl-trainer run … --profile slurm` against a scripted Slurm (fakeSlurm.ts): start submits the job, list and show
// name it with its pending reason, follow prints the console Slurm writes and ends when the job ends, stop cancels it.
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { SBATCH_FILE } from '../../src/core/launch/sbatchScript';
import { readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { FakeSlurm } from './fakeSlurm';
import { writeStandinConfig } from './standinRuns';
import { repoRoot, waitFor, within, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

function slurmWorkspace(t: { after(fn: () => unknown): void }): Workspace {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.root, '.sdxl'));
  cpSync(join(repoRoot, 'demo-workspace', 'data'), join(ws.root, 'data'), { recursive: true });
  cpSync(join(repoRoot, 'test', 'fixtures', 'trainer', 'standin_trainer.py'), join(ws.root, 'train_text_to_image_lora_sdxl.py'));
  return ws;
}

async function cli(ws: Workspace, slurm: FakeSlurm, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: -1, out: '', err: '' };
  const io: CliIo = {
    out: (text) => void (r.out += text),
    err: (text) => void (r.err += text),
    readStdin: async () => '',
    cwd: ws.root,
    launcher: { execPath: process.execPath, wrapperScript: await wrapperJs() },
    slurm,
  };
  r.code = await main(argv, io);
  return r;
}

test('run start --profile slurm submits the job; list and show give its id and pending reason; stop cancels it', { timeout: 60_000 }, async (t) => {
  const ws = slurmWorkspace(t);
  const slurm = new FakeSlurm();
  const file = writeStandinConfig(ws, 'sl', { env: { HF_TOKEN: 'hf_abcdefghijklmnopqrstuvwxyz123456' } });
  const started = await cli(ws, slurm, ['run', 'start', file, '--profile', 'slurm', '--json']);
  assert.equal(started.code, 0, started.err);
  const s = JSON.parse(started.out) as { id: string; state: string; runDir: string; slurm: { jobId: string; state: string } };
  assert.deepEqual([s.state, s.slurm.jobId, s.slurm.state], ['starting', '100', 'PENDING']);
  const script = readFileSync(join(s.runDir, SBATCH_FILE), 'utf8');
  assert.match(script, /^srun --ntasks=1 --kill-on-bad-exit=1 \S*accelerate launch --num_processes 1 /m);
  assert.ok(!script.includes('hf_abcdefghijklmnopqrstuvwxyz123456'), 'no token in the job script');
  assert.equal(slurm.submits[0]!.env.HF_TOKEN, 'hf_abcdefghijklmnopqrstuvwxyz123456');

  const list = await cli(ws, slurm, ['run', 'list']);
  assert.match(list.out, new RegExp(`${s.id}\\s+sl\\s+starting \\(job 100 PENDING \\(Resources\\)\\)`));
  const listJson = JSON.parse((await cli(ws, slurm, ['run', 'list', '--json'])).out) as { slurm?: { jobId: string; reason?: string } }[];
  assert.deepEqual([listJson[0]!.slurm?.jobId, listJson[0]!.slurm?.reason], ['100', 'Resources']);
  slurm.set('100', { state: 'RUNNING', nodes: 'vm' });
  const show = await cli(ws, slurm, ['run', 'show', s.id]);
  assert.match(show.out, /slurm job:   job 100 RUNNING on vm/);

  const stop = await cli(ws, slurm, ['run', 'stop', s.id]);
  assert.equal(stop.code, 0, stop.err);
  assert.match(stop.out, /stopped; Slurm job 100 is CANCELLED/);
  assert.deepEqual(slurm.cancels, ['100']);
  assert.equal(readRecord(s.runDir).state, 'stopped');
});

test('run start --profile slurm --follow prints the console Slurm writes and ends with the job', { timeout: 60_000 }, async (t) => {
  const ws = slurmWorkspace(t);
  const slurm = new FakeSlurm();
  const file = writeStandinConfig(ws, 'fl');
  const following = cli(ws, slurm, ['run', 'start', file, '--profile', 'slurm', '--follow', '--json']);
  await waitFor(() => slurm.submits.length === 1, 'the job to be submitted');
  const dir = slurm.submits[0]!.cwd;
  const consoleLog = recordFiles(dir).console;
  slurm.set('100', { state: 'RUNNING', nodes: 'vm' });
  // What the stand-in prints, as Slurm appends it to the console file.
  appendFileSync(consoleLog, 'SDXL_SLURM job=100 nodes=vm\nSteps:  50%|█████     | 2/4 [00:01<00:01, 1.00it/s, lr=0.0001, step_loss=0.5]\n');
  await waitFor(() => existsSync(consoleLog), 'console');
  slurm.set('100', { state: 'COMPLETED', exitCode: 0, signal: 0 });
  const r = await within(following, 30_000, 'the follow to end');
  assert.equal(r.code, 0, r.err);
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event?: string; state?: string; step?: number });
  assert.ok(
    lines.some((l) => l.event === 'progress' && l.step === 2),
    r.out,
  );
  assert.equal(lines.at(-1)!.event, 'end');
  assert.equal(lines.at(-1)!.state, 'finished');
});

test('run start --profile refuses an unknown profile', async (t) => {
  const ws = slurmWorkspace(t);
  const r = await cli(ws, new FakeSlurm(), ['run', 'start', writeStandinConfig(ws, 'x'), '--profile', 'cloud']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--profile must be one of local, multi-gpu, multi-node, slurm/);
});

test('run follow ID reattaches to a submitted Slurm run from another shell and ends with the job (exit 1 when it failed)', { timeout: 60_000 }, async (t) => {
  const ws = slurmWorkspace(t);
  const slurm = new FakeSlurm();
  const started = await cli(ws, slurm, ['run', 'start', writeStandinConfig(ws, 'later'), '--profile', 'slurm', '--json']);
  const { id, runDir } = JSON.parse(started.out) as { id: string; runDir: string };
  // Another shell, later: a new CLI process knows only the records and Slurm.
  const following = cli(ws, slurm, ['run', 'follow', id.slice(0, 18)]);
  slurm.set('100', { state: 'RUNNING', nodes: 'vm' });
  appendFileSync(recordFiles(runDir).console, 'Traceback (most recent call last):\nRuntimeError: boom\n');
  slurm.set('100', { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 1, signal: 0 });
  const r = await within(following, 30_000, 'run follow to end');
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /failed/i);
  assert.equal(readRecord(runDir).state, 'failed');
});

test('run follow ID says what Slurm says while the job waits, and again once it runs (not silence)', { timeout: 60_000 }, async (t) => {
  const ws = slurmWorkspace(t);
  const slurm = new FakeSlurm();
  const started = await cli(ws, slurm, ['run', 'start', writeStandinConfig(ws, 'waits'), '--profile', 'slurm', '--json']);
  const { id, runDir } = JSON.parse(started.out) as { id: string; runDir: string };
  const out = { text: '' };
  const io: CliIo = {
    out: (text) => void (out.text += text),
    err: () => undefined,
    readStdin: async () => '',
    cwd: ws.root,
    launcher: { execPath: process.execPath, wrapperScript: await wrapperJs() },
    slurm,
  };
  const following = main(['run', 'follow', id, '--json'], io);
  await waitFor(() => out.text.includes('"event":"slurm"'), 'the pending job to be told');
  const first = JSON.parse(out.text.split('\n')[0]!) as Record<string, unknown>;
  assert.deepEqual(first, { event: 'slurm', jobId: '100', state: 'PENDING', reason: 'Resources', nodes: null, text: 'job 100 pending (Resources)' });
  slurm.set('100', { state: 'RUNNING', nodes: 'vm' });
  await waitFor(() => out.text.includes('job 100 running on vm'), 'the running job to be told');
  appendFileSync(recordFiles(runDir).console, 'Steps: 100%|██████████| 4/4 [00:01<00:00, 1.00it/s, lr=0.0001, step_loss=0.5]\n');
  slurm.set('100', { state: 'COMPLETED', exitCode: 0, signal: 0 });
  assert.equal(await within(following, 30_000, 'run follow to end'), 0);
  const told = out.text.split('\n').filter((l) => l.includes('"event":"slurm"'));
  assert.equal(told.length, 2, 'each Slurm state once, not on every look:\n' + out.text);
});

test('--profile is what the diagnostics check: launch.slurm problems that only warn for a local file refuse run start --profile slurm', async (t) => {
  const ws = slurmWorkspace(t);
  const slurm = new FakeSlurm();
  const file = writeStandinConfig(ws, 'timed');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { launch: Record<string, unknown> };
  doc.launch.slurm = { time: '2h' };
  writeFileSync(file, JSON.stringify(doc, null, 2));
  const asFiled = await cli(ws, slurm, ['validate', file]);
  assert.equal(asFiled.code, 0, 'the file says local: launch.slurm is ignored, its problem a warning');
  assert.match(asFiled.out, /warning: launch\.slurm\.time "2h" is not a time sbatch takes/);
  const asSlurm = await cli(ws, slurm, ['validate', file, '--profile', 'slurm']);
  assert.equal(asSlurm.code, 1);
  assert.match(asSlurm.out, /error: launch\.slurm\.time "2h" is not a time sbatch takes/);
  const started = await cli(ws, slurm, ['run', 'start', file, '--profile', 'slurm']);
  assert.equal(started.code, 1);
  assert.match(started.err, /error: launch\.slurm\.time "2h" is not a time sbatch takes.*\n.*not started: .* has 1 error/);
  assert.equal(slurm.submits.length, 0, 'nothing submitted');
  assert.match((await cli(ws, slurm, ['validate', file, '--profile', 'cloud'])).err, /--profile must be one of local, multi-gpu, multi-node, slurm/);
});
