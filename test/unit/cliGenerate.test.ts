// `sdxl-trainer generate`: its options, the settings they make from a run's defaults, and which run (and weights) a
// RUN_ID or OUTPUT_DIR names, on a finished stand-in LoRA run (test/fixtures/trainer) through the real Supervisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build, type BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { FINAL_STATES } from '../../src/core/supervisor/types';
import { parseGenerateArgs, generateSettings } from '../../src/cli/generateOptions';
import { generateTarget, type GenerateTarget } from '../../src/cli/generateTarget';
import { UsageError } from '../../src/cli/io';
import { openWorkspace } from '../../src/cli/run/context';
import type { CliIo } from '../../src/cli/io';
import { dataset, lora } from './standinRuns';
import { cliInProcess, repoRoot, waitFor, within, workspace, wrapperJs, type Workspace } from './supervisorTestKit';
import { listGenerations } from '../../src/core/generate/jobs';
import type { GenerationRequest } from '../../src/core/generate/types';

const unixOnly = { skip: process.platform === 'win32' ? 'the stand-in run needs Unix process groups' : false, timeout: 120_000 };

test('options: repeated prompts in order, sources, numbers, sizes', () => {
  const o = parseGenerateArgs([
    'abc',
    '--prompt',
    'a cat',
    '--prompt=a dog',
    '--source',
    'base, final',
    '--steps',
    '4',
    '--seed=9',
    '--num-images',
    '3',
    '--size',
    '512x768',
    '--json',
  ]);
  assert.deepEqual(o, {
    target: 'abc',
    prompts: ['a cat', 'a dog'],
    sources: ['base', 'final'],
    steps: 4,
    seed: 9,
    numImages: 3,
    size: { width: 512, height: 768 },
    json: true,
  });
  assert.deepEqual(parseGenerateArgs(['x', '--size', '640']).size, { width: 640, height: 640 });
  const usage = (args: string[], re: RegExp) =>
    assert.throws(
      () => parseGenerateArgs(args),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
    );
  usage(['x', '--steps', 'many'], /--steps must be a whole number \(got 'many'\)/);
  usage(['x', '--seed', '-1'], /--seed must be a whole number/);
  usage(['x', '--size', '512x'], /--size must be WIDTHxHEIGHT/);
  usage(['x', '--steps', '3', '--steps', '4'], /--steps given twice/);
  usage(['x', '--guidance', '3'], /unknown option --guidance/);
  usage(['x', '--prompt'], /--prompt needs a value/);
  usage([], /usage: generate RUN_ID\|OUTPUT_DIR/);
  usage(['a', 'b'], /usage: generate/);
});

const TARGET: GenerateTarget = {
  runId: 'r1',
  runName: 'tiny',
  script: 'dreambooth-lora',
  outputDir: '/w/out',
  args: { pretrained_model_name_or_path: 'org/sdxl', instance_prompt: 'a photo of sks dog', resolution: 512, seed: 3 },
  cwd: '/w',
  checkpoints: [{ step: 2, path: 'out/checkpoint-2', complete: true }],
  lastStep: 4,
  finalExists: true,
};

test("settings: the run's defaults, the command line over them, every source unless --source", () => {
  const all = generateSettings(TARGET, parseGenerateArgs(['r1']));
  assert.deepEqual(
    all.sources.map((s) => s.label),
    ['base', 'checkpoint-2', 'final'],
  );
  assert.deepEqual([all.baseModel, all.prompts, all.width, all.seed, all.steps, all.numImages], ['org/sdxl', ['a photo of sks dog'], 512, 3, 25, 2]);
  const chosen = generateSettings(
    TARGET,
    parseGenerateArgs(['r1', '--source', 'final,base', '--prompt', 'x', '--steps', '2', '--seed', '5', '--num-images', '1', '--size', '64x32']),
  );
  assert.deepEqual(
    chosen.sources.map((s) => s.label),
    ['final', 'base'],
  );
  assert.deepEqual([chosen.prompts, chosen.steps, chosen.seed, chosen.numImages, chosen.width, chosen.height], [['x'], 2, 5, 1, 64, 32]);
});

test('settings: an unknown source, no prompt, a bad size are usage errors that name what is wrong', () => {
  const bad = (args: string[], target: GenerateTarget, re: RegExp) =>
    assert.throws(
      () => generateSettings(target, parseGenerateArgs(['r1', ...args])),
      (e: unknown) => e instanceof UsageError && re.test(e.message),
    );
  bad(['--source', 'checkpoint-9'], TARGET, /--source checkpoint-9: tiny offers base, checkpoint-2, final/);
  bad(
    [],
    { ...TARGET, script: 'lora', args: { pretrained_model_name_or_path: 'm' } },
    /tiny has no validation_prompt or instance_prompt to use: give one with --prompt/,
  );
  bad(['--size', '100x64'], TARGET, /width must be a multiple of 8 \(the VAE's scale; got 100\)/);
  bad(['--num-images', '0'], TARGET, /numImages must be a whole number from 1 to 64/);
});

function io(cwd: string): CliIo {
  return { out: () => undefined, err: () => undefined, readStdin: async () => '', cwd };
}

/** A finished stand-in LoRA run: 4 steps, checkpoints at 2 and 4, final weights, in `<ws>/out`. */
async function finishedRun(ws: Workspace): Promise<string> {
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath });
  const data = await dataset(ws, 2);
  const plan = lora(ws, data, ['--max_train_steps=4', '--checkpointing_steps=2', '--validation_prompt=a red square', '--resolution=256', '--seed=11']);
  const { record } = await sup.start(plan, { name: 'standin' });
  await waitFor(async () => FINAL_STATES.includes((await sup.get(record.id)).record.state), 'the stand-in run to end', 60_000);
  const ended = await sup.get(record.id);
  assert.equal(ended.record.state, 'succeeded', readFileSync(join(ended.dir, 'console.log'), 'utf8').slice(-2000));
  return record.id;
}

test('target: a run id (prefix) and its output_dir give the run, its checkpoints and final weights; a copied output_dir stands alone', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const id = await finishedRun(ws);
  const runs = openWorkspace(ws.root, io(ws.root));
  const out = join(ws.root, 'out');
  const byId = await generateTarget(runs, id.slice(0, 12), ws.root);
  assert.equal(byId.runId, id);
  assert.equal(byId.runName, 'standin');
  assert.equal(byId.script, 'lora');
  assert.equal(byId.outputDir, out);
  assert.equal(byId.lastStep, 4);
  assert.equal(byId.finalExists, true);
  // The python of the plan's accelerate (the fake one's #! line names python3).
  assert.ok(byId.python, 'a python from the plan');
  const settings = generateSettings(byId, parseGenerateArgs([id]));
  assert.deepEqual(settings.sources, [
    { label: 'base', kind: 'base' },
    { label: 'checkpoint-2', kind: 'lora', path: join(out, 'checkpoint-2'), step: 2 },
    { label: 'checkpoint-4', kind: 'lora', path: join(out, 'checkpoint-4'), step: 4 },
    { label: 'final', kind: 'lora', path: out, step: 4 },
  ]);
  assert.deepEqual(
    [settings.baseModel, settings.prompts, settings.width, settings.seed],
    ['stabilityai/stable-diffusion-xl-base-1.0', ['a red square'], 256, 11],
  );
  // The output folder, relative to the current folder: the run that wrote it.
  assert.equal((await generateTarget(runs, 'out', ws.root)).runId, id);
  // A copy no record wrote: its own checkpoints, its arguments from its hparams.yml.
  const copy = join(ws.root, 'copied-out');
  cpSync(out, copy, { recursive: true });
  const bare = await generateTarget(runs, copy, ws.root);
  assert.equal(bare.runId, undefined);
  assert.equal(bare.runName, 'copied-out');
  assert.equal(bare.script, 'lora');
  assert.deepEqual(generationLabels(bare), ['base', 'checkpoint-2', 'checkpoint-4', 'final']);
  assert.equal(bare.args?.validation_prompt, 'a red square', JSON.stringify(bare.args));
  // Neither a run nor a folder.
  await assert.rejects(generateTarget(runs, 'nope', ws.root), (e: unknown) => e instanceof UsageError && /no run 'nope'/.test(e.message));
});

function generationLabels(t: GenerateTarget): string[] {
  return generateSettings(t, parseGenerateArgs(['x', '--prompt', 'p'])).sources.map((s) => s.label);
}

const FAKE_GENERATE = join(repoRoot, 'test', 'fixtures', 'generate', 'fake_generate.py');

/** A `--python` that runs the stand-in generator (test/fixtures/generate) in place of python/sdxl_generate.py. */
function fakePython(ws: Workspace, mode = ''): string {
  const file = join(ws.root, `fake-python${mode ? `-${mode}` : ''}`);
  // argv: <this> <script> <flags…>: the script is dropped, the flags go to the stand-in.
  writeFileSync(file, `#!/bin/sh\nshift\nFAKE_GENERATE='${mode}' exec python3 '${FAKE_GENERATE}' "$@"\n`, { mode: 0o755 });
  return file;
}

test('generate RUN_ID: a job in .sdxl/generations for that run, each image path printed, exit 0', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const id = await finishedRun(ws);
  const r = await within(
    cliInProcess(ws, [
      'generate',
      id,
      '--python',
      fakePython(ws),
      '--source',
      'base,final',
      '--prompt',
      'a red square',
      '--prompt',
      'a cat',
      '--steps',
      '2',
      '--num-images',
      '2',
      '--size',
      '64',
    ]),
    60_000,
    'generate',
  );
  assert.equal(r.code, 0, r.out + r.err);
  const paths = [...r.out.matchAll(/^image \d+\/8: \S+ prompt \d seed \d+: (.+)$/gm)].map((m) => m[1]!);
  assert.equal(paths.length, 8, r.out);
  for (const p of paths) assert.ok(existsSync(p), p);
  assert.match(r.out, /^succeeded: 8 of 8 images in (.+)$/m);
  const outDir = /^succeeded: 8 of 8 images in (.+)$/m.exec(r.out)![1]!;
  assert.ok(outDir.startsWith(join(ws.root, '.sdxl', 'samples')), outDir);
  assert.deepEqual(paths.slice(0, 2), [join(outDir, 'base', '0-11.png'), join(outDir, 'base', '0-12.png')], 'seed 11 from the run, + k');
  const request = JSON.parse(readFileSync(join(outDir, 'request.json'), 'utf8')) as GenerationRequest;
  assert.equal(request.runId, id);
  assert.deepEqual(
    request.settings.sources.map((s) => s.label),
    ['base', 'final'],
  );
  assert.equal(readdirSync(join(ws.root, '.sdxl', 'generations')).length, 1, 'one job record');
  // --json: one object per line, the end with every image's path.
  const j = await within(
    cliInProcess(ws, ['generate', id, '--python', fakePython(ws), '--source', 'final', '--steps', '1', '--num-images', '1', '--size', '64', '--json']),
    60_000,
    'generate --json',
  );
  assert.equal(j.code, 0, j.err);
  const lines = j.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; status?: string; images?: string[] });
  assert.equal(lines[0]?.event, 'started');
  const end = lines.at(-1)!;
  assert.equal(end.event, 'end');
  assert.equal(end.status, 'succeeded');
  assert.equal(end.images?.length, 1);
  assert.ok(existsSync(end.images![0]!));
});

test('generate: a failing job exits 1 with its error; Ctrl-C stops the job (exit 1, stopped)', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const id = await finishedRun(ws);
  const common = ['--source', 'base,final', '--prompt', 'p', '--steps', '3', '--num-images', '2', '--size', '64'];
  const failed = await within(cliInProcess(ws, ['generate', id, '--python', fakePython(ws, 'fail'), ...common]), 60_000, 'the failing job');
  assert.equal(failed.code, 1, failed.out + failed.err);
  assert.match(failed.out, /^failed: 1 of 4 images in /m);
  assert.match(failed.out, /^error: .*cannot load LoRA weights from \/nowhere/m);

  let press: (() => void) | undefined;
  let pressed = false;
  const stopped = await within(
    cliInProcess(ws, ['generate', id, '--python', fakePython(ws, 'slow'), ...common], {
      onInterrupt: (handler) => {
        press = handler;
        return () => (press = undefined);
      },
      out: (text) => {
        // Ctrl-C once the first denoising step shows.
        if (!pressed && /step \d\/3/.test(text)) {
          pressed = true;
          press?.();
        }
      },
    }),
    60_000,
    'the stopped job',
  );
  assert.ok(pressed, 'a step was shown before Ctrl-C');
  assert.equal(stopped.code, 1);
  assert.match(stopped.err, /stopping generation /);
  const jobs = await listGenerations(
    new Supervisor({ recordsDir: join(ws.root, '.sdxl', 'generations'), wrapperScript: await wrapperJs(), execPath: process.execPath }),
  );
  assert.deepEqual(jobs.map((j) => j.record.state).sort(), ['failed', 'stopped']);
});

test('the bundled CLI: generate follows the job to its end; Ctrl-C stops the job, exit 1', unixOnly, async (t) => {
  // Bundled as scripts/build.mjs does, inside the checkout (the script is found at <checkout>/python from out/x/).
  mkdirSync(join(repoRoot, 'out'), { recursive: true });
  const dist = mkdtempSync(join(repoRoot, 'out', 'cli-gen-'));
  t.after(() => rmSync(dist, { recursive: true, force: true }));
  const common: BuildOptions = { bundle: true, mainFields: ['module', 'main'], platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };
  await build({ ...common, entryPoints: [join(repoRoot, 'src', 'cli.ts')], outfile: join(dist, 'cli.js'), external: ['vscode', 'sharp', 'onnxruntime-node'] });
  await build({ ...common, entryPoints: [join(repoRoot, 'src', 'wrapper.ts')], outfile: join(dist, 'wrapper.js') });
  const ws = workspace();
  t.after(() => ws.cleanup());
  const id = await finishedRun(ws);
  const args = (mode: string) => [
    join(dist, 'cli.js'),
    'generate',
    id,
    '--python',
    fakePython(ws, mode),
    '--source',
    'base,final',
    '--prompt',
    'p',
    '--steps',
    '3',
    '--size',
    '64',
  ];
  // Nothing but the monitor's unref'd timers would let the process exit before the job ends.
  const done = spawnSync(process.execPath, args(''), { cwd: ws.root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(done.status, 0, done.stdout + done.stderr);
  assert.match(done.stdout, /^succeeded: 4 of 4 images in /m);

  const child = spawn(process.execPath, args('slow'), { cwd: ws.root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await waitFor(() => /step \d\/3/.test(out), 'a denoising step shown', 60_000);
  child.kill('SIGINT');
  assert.equal(await within(exited, 60_000, 'the CLI to end'), 1, out + err);
  assert.match(err, /stopping generation /);
  assert.match(out, /^stopped: [0-3] of 4 images in /m);
});
