// `sdxl-trainer run …` with real processes: configs that run the stand-in trainer (test/fixtures/trainer) behind the
// fake `accelerate`, started through the Supervisor and its detached wrapper. Most tests call the CLI in-process
// (main() with a captured io); the last one runs a bundled cli.js + wrapper.js as a user would, Ctrl-C included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { isAlive } from '../../src/core/supervisor/liveness';
import { readRecord } from '../../src/core/supervisor/runRecord';
import { outputDirOf } from '../../src/core/launch/planArgs';
import { repoRoot, runProcessCount, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';
import { writeStandinConfig } from './standinRuns';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false, timeout: 120_000 };
const ACCELERATE = join(repoRoot, 'test', 'fixtures', 'fake-bin', 'accelerate');
const STANDIN = join(repoRoot, 'test', 'fixtures', 'trainer', 'standin_trainer.py');

interface Options {
  steps?: number;
  stepSeconds?: number;
  out?: string;
  env?: Record<string, string>;
  args?: Record<string, unknown>;
}

/** A workspace (with `.sdxl`) whose `name.sdxl.json` trains the stand-in like the demo config does. */
function standinWorkspace(t: { after(fn: () => unknown): void }): Workspace {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.root, '.sdxl'));
  cpSync(join(repoRoot, 'demo-workspace', 'data'), join(ws.root, 'data'), { recursive: true });
  // The start checks want the script file to exist; the fake accelerate runs the stand-in for this name.
  symlinkSync(STANDIN, join(ws.root, 'train_text_to_image_lora_sdxl.py'));
  return ws;
}

function writeConfig(ws: Workspace, name: string, o: Options = {}): string {
  return writeStandinConfig(ws, name, {
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    ...(o.stepSeconds !== undefined ? { stepSeconds: o.stepSeconds } : {}),
    ...(o.env ? { env: o.env } : {}),
    args: { mixed_precision: 'bf16', output_dir: o.out ?? './out', ...o.args },
  });
}

interface Result {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process; `interrupt` receives the Ctrl-C handler while a command listens for one. */
async function cli(
  ws: Workspace,
  argv: string[],
  opts: { cwd?: string; interrupt?: (press: () => void) => void; onOut?: (out: string) => void } = {},
): Promise<Result> {
  const r: Result = { code: -1, out: '', err: '' };
  const io: CliIo = {
    out: (text) => {
      r.out += text;
      opts.onOut?.(r.out);
    },
    err: (text) => void (r.err += text),
    readStdin: async () => '',
    cwd: opts.cwd ?? ws.root,
    launcher: { execPath: process.execPath, wrapperScript: await wrapperJs() },
    onInterrupt: (handler) => {
      opts.interrupt?.(handler);
      return () => undefined;
    },
  };
  r.code = await main(argv, io);
  return r;
}

const json = <T>(r: Result): T => JSON.parse(r.out) as T;
const runIds = (ws: Workspace) => (existsSync(ws.recordsDir) ? readdirSync(ws.recordsDir).sort() : []);
const finalState = (ws: Workspace, id: string) => readRecord(join(ws.recordsDir, id)).state;
const isFinal = (state: string) => ['succeeded', 'failed', 'stopped'].includes(state);

interface Started {
  id: string;
  state: string;
  outputDir: string;
  runDir: string;
  resumedFrom?: string;
}

/** `run start FILE --json`, then waits for the run to end. */
async function startAndWait(ws: Workspace, argv: string[]): Promise<Started> {
  const r = await cli(ws, ['run', 'start', ...argv, '--json']);
  assert.equal(r.code, 0, r.err);
  const started = json<Started>(r);
  await waitFor(() => isFinal(finalState(ws, started.id)), `run ${started.id} to end`, 60_000);
  return started;
}

test('run start --json: id, state, outputDir and runDir of a run recorded in <workspace>/.sdxl/runs', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'plain');
  // Run from elsewhere: the workspace is the config's nearest ancestor with a .sdxl folder.
  const elsewhere = mkdtempSync(join(ws.root, '..', 'sdxl-cwd-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  const r = await cli(ws, ['run', 'start', file, '--json'], { cwd: elsewhere });
  assert.equal(r.code, 0, r.err);
  const started = json<Record<string, unknown>>(r);
  assert.deepEqual(Object.keys(started), ['id', 'state', 'outputDir', 'runDir']);
  assert.equal(started.runDir, join(ws.recordsDir, String(started.id)));
  assert.equal(started.outputDir, join(ws.root, 'out'));
  assert.ok(['starting', 'running', 'succeeded'].includes(String(started.state)), String(started.state));
  const record = readRecord(String(started.runDir));
  assert.equal(record.configPath, file);
  assert.equal(record.name, 'plain');
  // The launch plan is the extension's: accelerate from the config, the script relative to the config's folder.
  assert.deepEqual(record.plan.argv.slice(0, 3), [ACCELERATE, 'launch', 'train_text_to_image_lora_sdxl.py']);
  assert.equal(record.plan.cwd, ws.root);
  await waitFor(() => finalState(ws, String(started.id)) === 'succeeded', 'the run to succeed', 60_000);
});

test('run start --follow: progress lines, checkpoints and validation images, exit 0 when the run finishes', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const r = await cli(ws, ['run', 'start', writeConfig(ws, 'follow'), '--follow']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /^run \S+ started/);
  assert.match(r.out, /^step \d+\/4 · (loss [\d.]+ · )?.+ · ETA /m);
  assert.match(r.out, /^step 4\/4 · loss [\d.]+ · /m, 'the last step is always shown');
  assert.match(r.out, new RegExp(`^checkpoint saved: checkpoint-2 \\(${join(ws.root, 'out', 'checkpoint-2')}\\)$`, 'm'));
  assert.match(r.out, /^checkpoint saved: checkpoint-4 /m);
  assert.match(r.out, /^validation images: epoch 1, 1 image\(s\)$/m);
  assert.match(r.out, /finished at step 4 in \d\d:\d\d · avg [\d.]+ (it\/s|s\/it)\n$/);
  assert.equal(finalState(ws, runIds(ws)[0]!), 'succeeded');
});

test('run start --follow --json: one JSON object per line, ending with the outcome', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const r = await cli(ws, ['run', 'start', writeConfig(ws, 'jsonl'), '--follow', '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(lines[0]!), ['id', 'state', 'outputDir', 'runDir']);
  assert.ok(lines.some((l) => l.event === 'progress' && l.step === 4 && l.totalSteps === 4));
  assert.ok(lines.some((l) => l.event === 'checkpoint' && l.step === 2));
  assert.deepEqual(lines.at(-1), { event: 'end', state: 'finished', step: 4, totalSteps: 4 });
});

test('run start --follow: a failing run gets its diagnosis and exit 1', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'oom', { env: { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '2' } });
  const r = await cli(ws, ['run', 'start', file, '--follow']);
  assert.equal(r.code, 1, r.err + r.out);
  assert.match(r.out, /^failure: Out of GPU memory \(cuda_oom\): .+\n {2}remedy: .+\n {2}config key: \/args\/gradient_checkpointing$/m);
  assert.match(r.out, /failed: Out of GPU memory at step \d+\n$/);
  assert.equal(finalState(ws, runIds(ws)[0]!), 'failed');
});

test('run start refuses a config with error diagnostics, lists them, and records nothing', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'bad', { args: { train_batch_size: 'two', learnig_rate: 1e-4 } });
  const r = await cli(ws, ['run', 'start', file, '--json']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /bad\.sdxl\.json:\d+:\d+: error: .+ \[type\]/);
  assert.match(r.err, /not started: .+ has \d+ error\(s\)/);
  assert.deepEqual(runIds(ws), []);
  const missing = await cli(ws, ['run', 'start', join(ws.root, 'missing.sdxl.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /missing\.sdxl\.json no such file/);
  assert.equal((await cli(ws, ['run', 'start', file, '--on-existing', 'maybe'])).code, 2);
});

test('run list --json and run show --json describe finished runs; ids may be unique prefixes', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'listed');
  const a = await startAndWait(ws, [file]);
  const b = await startAndWait(ws, [writeConfig(ws, 'other', { out: './other', env: { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '3' } })]);
  // From a folder below the workspace: its nearest ancestor with .sdxl.
  const below = join(ws.root, 'data');
  const list = await cli(ws, ['run', 'list', '--json'], { cwd: below });
  assert.equal(list.code, 0, list.err);
  const items = json<Array<Record<string, unknown>>>(list);
  assert.deepEqual(
    items.map((i) => i.id),
    [a.id, b.id],
  );
  assert.deepEqual(items[0], {
    id: a.id,
    name: 'listed',
    state: 'succeeded',
    step: 4,
    totalSteps: 4,
    createdAt: readRecord(a.runDir).createdAt,
    configPath: file,
    outputDir: join(ws.root, 'out'),
    resumedFrom: null,
    tags: [],
  });
  assert.equal(items[1]!.state, 'failed');
  const text = await cli(ws, ['run', 'list'], { cwd: below });
  assert.match(text.out, /^ID +NAME +STATE +STEP +CREATED +CONFIG\n/);
  assert.match(text.out, new RegExp(`^${a.id} +listed +succeeded +4/4 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +listed\\.sdxl\\.json$`, 'm'));

  const show = await cli(ws, ['run', 'show', a.id.slice(0, -3), '--json']);
  assert.equal(show.code, 0, show.err);
  const summary = json<Record<string, unknown>>(show);
  const summarize = await cli(ws, ['summarize', a.runDir, '--json']);
  const expected = json<Record<string, unknown>>(summarize);
  assert.deepEqual(Object.keys(summary), ['id', ...Object.keys(expected), 'outputDir', 'name', 'tags']);
  assert.deepEqual([summary.name, summary.tags], ['listed', []]);
  assert.equal(summary.id, a.id);
  assert.equal(summary.outputDir, join(ws.root, 'out'));
  assert.equal(summary.state, 'succeeded');
  assert.deepEqual(
    summary.checkpoints,
    [2, 4].map((step) => ({ step, complete: true, path: join(ws.root, 'out', `checkpoint-${step}`) })),
  );
  for (const key of Object.keys(expected)) if (key !== 'checkpoints') assert.deepEqual(summary[key], expected[key], key);
  const failed = json<{ state: string; failure: { class: string } }>(await cli(ws, ['run', 'show', b.id, '--json']));
  assert.equal(failed.state, 'failed');
  assert.equal(failed.failure.class, 'cuda_oom');

  const unknown = await cli(ws, ['run', 'show', 'nope']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no run 'nope' in .+\.sdxl\/runs/);
  const ambiguous = await cli(ws, ['run', 'show', a.id.slice(0, 4)]);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.err, /matches 2 runs/);
});

test('run stop ID: every process of a running run ends and the record says stopped', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'long', { steps: 2000, stepSeconds: 0.05 });
  const r = await cli(ws, ['run', 'start', file, '--json']);
  assert.equal(r.code, 0, r.err);
  const { id, runDir } = json<Started>(r);
  await waitFor(() => existsSync(join(ws.root, 'out', 'checkpoint-2')), 'the first checkpoint', 60_000);
  const record = readRecord(runDir);
  assert.ok((await runProcessCount(record)) >= 2, 'wrapper, accelerate and the trainer run');
  // Its output_dir is taken by a live run: the way out is to stop it, not to continue it.
  const clash = await cli(ws, ['run', 'start', file]);
  assert.equal(clash.code, 1);
  assert.match(
    clash.err,
    new RegExp(
      `output_dir .*out is being written by run ${id} \\(long\\), which has not ended\\.\nThat run has not ended: stop it first \\(sdxl-trainer run stop ${id}\\)`,
    ),
  );
  // --on-existing new beside a live run: the note says whose folder it is (it once said "already holds ;"). Another
  // config name, so the id prefix given to run stop below names one run even when both started in the same second.
  const beside = await cli(ws, ['run', 'start', writeConfig(ws, 'beside', { steps: 2000, stepSeconds: 0.05 }), '--on-existing', 'new', '--json']);
  assert.equal(beside.code, 0, beside.err);
  assert.match(beside.err, new RegExp(`^note: output_dir .*out is being written by run ${id} \\(long\\); this run writes to .*out-2\n`));
  assert.equal((await cli(ws, ['run', 'stop', json<Started>(beside).id])).code, 0);
  const stop = await cli(ws, ['run', 'stop', id.slice(0, -2)]);
  assert.equal(stop.code, 0, stop.err);
  assert.match(stop.out, new RegExp(`^run ${id} stopped; no process of it is left\n$`));
  assert.equal(await runProcessCount(record), 0, 'no process of the run is left');
  assert.equal(readRecord(runDir).state, 'stopped');
  const again = await cli(ws, ['run', 'stop', id]);
  assert.equal(again.code, 0);
  assert.match(again.out, /already ended \(stopped\)/);
});

test('run resume: from checkpoint-N or the newest complete one, recorded as resumedFrom; missing or incomplete ones are refused', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const first = await startAndWait(ws, [writeConfig(ws, 'resumable')]);
  const out = join(ws.root, 'out');

  const fromTwo = await cli(ws, ['run', 'resume', first.id, '--checkpoint', '2', '--follow']);
  assert.equal(fromTwo.code, 0, fromTwo.err + fromTwo.out);
  assert.match(fromTwo.out, new RegExp(`started, resuming ${first.id}/checkpoint-2`));
  assert.match(fromTwo.out, /^resumed from checkpoint-2 at step 2$/m);
  // Its own validation (epoch 1 again, counted from 1: resumed inside the first epoch) is reported once; the earlier run's images,
  // in event files of the same folder, are not this run's.
  assert.equal(fromTwo.out.match(/^validation images: epoch 1, /gm)?.length, 1, fromTwo.out);
  const second = runIds(ws).find((id) => id !== first.id)!;
  const record = readRecord(join(ws.recordsDir, second));
  assert.equal(record.resumedFrom, `${first.id}/checkpoint-2`);
  assert.equal(record.outputDir, out);
  const si = record.plan.argv.indexOf('train_text_to_image_lora_sdxl.py');
  assert.deepEqual(record.plan.argv.slice(si + 1, si + 3), ['--resume_from_checkpoint', 'checkpoint-2']);

  // checkpoint-6: a folder no run's console announced (put there by hand, or a save of another run).
  mkdirSync(join(out, 'checkpoint-6'));
  writeFileSync(join(out, 'checkpoint-6', 'pytorch_lora_weights.safetensors'), 'w');
  const foreign = await cli(ws, ['run', 'resume', first.id, '--checkpoint', 'checkpoint-6']);
  assert.equal(foreign.code, 1);
  assert.match(foreign.err, /checkpoint-6 in .+ was not saved by run \S+; nothing was started/);
  const missing = await cli(ws, ['run', 'resume', first.id, '--checkpoint', '3']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /has no checkpoint-3 in .+ \(its complete ones are checkpoint-2, checkpoint-4\)/);
  assert.equal((await cli(ws, ['run', 'resume', first.id, '--checkpoint', 'best'])).code, 2);
  assert.equal(runIds(ws).length, 2, 'refusals record nothing');

  const newest = await cli(ws, ['run', 'resume', first.id, '--json']);
  assert.equal(newest.code, 0, newest.err);
  const third = json<Started>(newest);
  assert.equal(third.resumedFrom, `${first.id}/checkpoint-4`);
  await waitFor(() => isFinal(finalState(ws, third.id)), 'the resumed run to end', 60_000);
});

test('run start --on-existing: fail names the other run, new writes to the next free folder, continue resumes it', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'again');
  const configText = readFileSync(file, 'utf8');
  const first = await startAndWait(ws, [file]);

  const fail = await cli(ws, ['run', 'start', file]);
  assert.equal(fail.code, 1);
  assert.match(
    fail.err,
    new RegExp(
      `already holds 2 checkpoints \\(checkpoint-2 … checkpoint-4\\) and final weights \\(pytorch_lora_weights\\.safetensors\\) and TensorBoard event files of run ${first.id} \\(again\\)\\.\\n`,
    ),
  );
  assert.match(fail.err, /--on-existing continue.+--on-existing new/);
  assert.deepEqual(runIds(ws), [first.id]);

  const fresh = await startAndWait(ws, [file, '--on-existing', 'new']);
  assert.equal(fresh.outputDir, join(ws.root, 'out-2'));
  const plan = readRecord(fresh.runDir).plan;
  assert.equal(outputDirOf(plan), join(ws.root, 'out-2'));
  assert.equal(finalState(ws, fresh.id), 'succeeded');
  assert.ok(existsSync(join(ws.root, 'out-2', 'checkpoint-4')), 'the run wrote to the new folder');
  assert.equal(readFileSync(file, 'utf8'), configText, 'the config file is untouched');

  const cont = await startAndWait(ws, [file, '--on-existing', 'continue']);
  assert.equal(cont.resumedFrom, `${first.id}/checkpoint-4`);
  assert.equal(cont.outputDir, join(ws.root, 'out'));
  assert.equal(finalState(ws, cont.id), 'succeeded');
});

test('Ctrl-C while following stops the following only: exit 130, the run goes on', unixOnly, async (t) => {
  const ws = standinWorkspace(t);
  let press: (() => void) | undefined;
  let pressed = false;
  const r = await cli(ws, ['run', 'start', writeConfig(ws, 'interrupted', { steps: 2000, stepSeconds: 0.05 }), '--follow'], {
    interrupt: (handler) => (press = handler),
    onOut: (out) => {
      if (!pressed && press && /^step \d+\/2000/m.test(out)) {
        pressed = true;
        press();
      }
    },
  });
  assert.equal(r.code, 130, r.err + r.out);
  assert.match(r.err, /stopped following run (\S+); the run goes on\. To stop it: sdxl-trainer run stop \1/);
  const id = runIds(ws)[0]!;
  const record = readRecord(join(ws.recordsDir, id));
  assert.equal(record.state, 'running');
  assert.ok(await isAlive(record), 'the training is still running');
  assert.equal((await cli(ws, ['run', 'stop', id])).code, 0);
  assert.equal(await runProcessCount(record), 0);
});

test('the help lists the run subcommands', async () => {
  const r = await cli({ root: repoRoot } as Workspace, ['--help']);
  for (const sub of ['run start FILE', 'run list', 'run show ID', 'run stop ID', 'run resume ID']) assert.ok(r.out.includes(sub), sub);
  const run = await cli({ root: repoRoot } as Workspace, ['run', '--help']);
  assert.equal(run.code, 0);
  assert.match(run.out, /--on-existing continue\|new\|fail/);
  assert.equal((await cli({ root: repoRoot } as Workspace, ['run', 'go'])).code, 2);
});

test('the bundled CLI: wrapper.js found next to cli.js, SIGINT ends only the following, run stop ends the run', unixOnly, async (t) => {
  // Bundled like scripts/build.mjs does, into a folder of its own inside the checkout (so `sharp` resolves).
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  const dist = mkdtempSync(join(repoRoot, 'out', 'cli-run-'));
  t.after(() => rmSync(dist, { recursive: true, force: true }));
  const common: BuildOptions = { bundle: true, mainFields: ['module', 'main'], platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };
  await build({ ...common, entryPoints: [join(repoRoot, 'src', 'cli.ts')], outfile: join(dist, 'cli.js'), external: ['vscode', 'sharp', 'onnxruntime-node'] });
  await build({ ...common, entryPoints: [join(repoRoot, 'src', 'wrapper.ts')], outfile: join(dist, 'wrapper.js') });
  const ws = standinWorkspace(t);
  const file = writeConfig(ws, 'bundled', { steps: 2000, stepSeconds: 0.05 });
  const child = spawn(process.execPath, [join(dist, 'cli.js'), 'run', 'start', file, '--follow'], { cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const early = new Promise<boolean>((r) => child.once('exit', () => r(true)));
  const progressed = waitFor(() => /^step \d+\/2000/m.test(out), 'a progress line', 60_000).then(() => false);
  assert.equal(await Promise.race([progressed, early]), false, `the CLI exited early: ${out}${err}`);
  child.kill('SIGINT');
  assert.equal(await exited, 130, err);
  assert.match(err, /the run goes on/);
  const id = runIds(ws)[0]!;
  const record = readRecord(join(ws.recordsDir, id));
  assert.ok(await isAlive(record), 'the training outlived the CLI');
  const stop = spawnSync(process.execPath, [join(dist, 'cli.js'), 'run', 'stop', id], { cwd: join(ws.root, 'data'), encoding: 'utf8' });
  assert.equal(stop.status, 0, stop.stderr);
  assert.equal(await runProcessCount(record), 0);
  assert.equal(readRecord(join(ws.recordsDir, id)).state, 'stopped');
});

test(
  'run start: a train_data_dir that is not there is refused before anything is launched (the real script finds out after loading the models)',
  unixOnly,
  async (t) => {
    const ws = standinWorkspace(t);
    const file = writeConfig(ws, 'nodata', { args: { train_data_dir: './no-such-data' } });
    const r = await cli(ws, ['run', 'start', file]);
    assert.equal(r.code, 1);
    assert.match(r.err, /train_data_dir \S*no-such-data does not exist .*\[data-dir-missing\]/);
    assert.match(r.err, /not started/);
    assert.deepEqual(runIds(ws), [], 'no run record, no process');
  },
);
