// python/sdxl_generate.py with the real worker (diffusers v0.27.2, tiny SDXL, CPU) on the weights of one real tiny
// DreamBooth LoRA training: every source kind loads, the same seed gives the same pixels on any source and twice, a
// trained LoRA changes the images, and a bad LoRA path fails with an error line naming it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { generationArgv } from '../../src/core/generate/argv';
import { GENERATE_LINE_PREFIX, GENERATE_SCRIPT, type GenerationLine, type GenerationResult, type GenerationSettings } from '../../src/core/generate/types';
import {
  ended,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  startConfig,
  supervisor,
  tinyArgs,
  writeConfig,
  wrapperJs,
  type Workspace,
} from './realWorker';
import { repoRoot } from '../unit/supervisorTestKit';

const { worker, skip } = realWorkerOrSkip();
const opts = { skip, timeout: 600_000 };
const SCRIPT = join(repoRoot, ...GENERATE_SCRIPT);
const PROMPT = 'a photo of sks square';

interface Trained {
  ws: Workspace;
  outDir: string;
  trainSeconds: number;
}
let trained: Trained | undefined;

// 4 steps (one epoch of the 4 instance images), a checkpoint every 2: checkpoint-2, checkpoint-4 and the final
// weights. learning_rate 1e-2 instead of the tests' usual 1e-4: the LoRA's up-projections start at zero, and after 4
// steps at 1e-4 the tiny model's images come out pixel-identical to the base model's in 8-bit PNGs, so "the trained
// weights change the images" could not be observed. No validation_prompt: no validation or test images to wait for.
before(async () => {
  if (!worker) return;
  const ws = newWorkspace();
  const sup = supervisor(ws, await wrapperJs());
  const file = writeConfig(ws, 'tiny', realLaunch(worker), tinyArgs(worker, { max_train_steps: 4, checkpointing_steps: 2, learning_rate: 1e-2 }));
  const t0 = Date.now();
  const { entry, monitor } = await startConfig(ws, sup, file);
  const state = await ended(monitor, 540_000, 'the real training');
  monitor.stop();
  await noProcessLeft(sup, entry.record.id);
  assert.equal(state.state, 'finished', JSON.stringify(state.failure));
  trained = { ws, outDir: join(ws.root, 'out'), trainSeconds: (Date.now() - t0) / 1000 };
  console.log(`# training took ${trained.trainSeconds.toFixed(1)} s`);
});

after(async () => {
  if (trained && !process.env.SDXL_REAL_KEEP) await trained.ws.cleanup();
  else if (trained) console.log(`# kept ${trained.ws.root}`);
});

function the(): Trained {
  assert.ok(trained, 'the shared real training did not run');
  return trained;
}

interface Generated {
  code: number | null;
  /** stdout and stderr interleaved, as the supervisor's console.log has them. */
  console: string;
  lines: GenerationLine[];
  dir: string;
  seconds: number;
}

/** Runs the script as a job does (argv from generationArgv, stdout and stderr into one file). */
async function generate(dir: string, settings: GenerationSettings): Promise<Generated> {
  const w = worker!;
  const [python, ...args] = generationArgv(join(w.dest, 'venv', 'bin', 'python'), SCRIPT, settings, dir);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, '..', `${dir.split('/').pop() ?? 'gen'}.console.log`);
  const fd = openSync(logFile, 'w');
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(python!, args, { stdio: ['ignore', fd, fd], env: { ...process.env, HF_HOME: w.hfHome, PYTHONUNBUFFERED: '1' } });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  closeSync(fd);
  const text = readFileSync(logFile, 'utf8');
  const lines = text
    .split('\n')
    .filter((l) => l.startsWith(GENERATE_LINE_PREFIX))
    .map((l) => JSON.parse(l.slice(GENERATE_LINE_PREFIX.length)) as GenerationLine);
  return { code, console: text, lines, dir, seconds: (Date.now() - t0) / 1000 };
}

function settings(sources: GenerationSettings['sources'], more: Partial<GenerationSettings> = {}): GenerationSettings {
  return {
    baseModel: worker!.tiny.model,
    sources,
    prompts: [PROMPT],
    steps: 3,
    guidance: 5,
    seed: 7,
    numImages: 2,
    width: 64,
    height: 32,
    device: 'cpu',
    ...more,
  };
}

async function pixels(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

let main: Generated | undefined;

/** SDXL_RECORD_GENERATE=DIR keeps a job's console as a fixture (test/fixtures/generate was recorded so). */
function record(name: string, g: Generated): void {
  const dir = process.env.SDXL_RECORD_GENERATE;
  if (dir) writeFileSync(join(dir, name), g.console.split(the().ws.root).join('/WORKSPACE'));
}

async function mainJob(): Promise<Generated> {
  if (main) return main;
  const { ws, outDir } = the();
  // base2 after every other kind: the LoRA was unloaded and the base UNet put back. unet-of-base and pipeline-of-base
  // load the base model's own weights through the other two paths, so they must equal base pixel for pixel.
  main = await generate(
    join(ws.root, 'gen-main'),
    settings([
      { label: 'base', kind: 'base' },
      { label: 'checkpoint-2', kind: 'lora', path: join(outDir, 'checkpoint-2'), step: 2 },
      { label: 'final', kind: 'lora', path: join(outDir, 'pytorch_lora_weights.safetensors'), step: 4 },
      { label: 'unet-of-base', kind: 'unet', path: worker!.tiny.model },
      { label: 'pipeline-of-base', kind: 'pipeline', path: worker!.tiny.model },
      { label: 'base2', kind: 'base' },
    ]),
  );
  console.log(`# generation of 12 images (6 sources) took ${main.seconds.toFixed(1)} s`);
  record('console.log', main);
  return main;
}

test('real generate: every source writes its images at the size asked, lines and generation.json agree', opts, async () => {
  const g = await mainJob();
  assert.equal(g.code, 0, g.console.slice(-3000));
  const labels = ['base', 'checkpoint-2', 'final', 'unet-of-base', 'pipeline-of-base', 'base2'];
  assert.deepEqual(g.lines[0], { event: 'start', total: 12, sources: labels, prompts: 1, numImages: 2 });
  assert.deepEqual(
    g.lines.filter((l) => l.event === 'loaded').map((l) => (l.event === 'loaded' ? [l.source, l.device, l.dtype] : [])),
    labels.map((s) => [s, 'cpu', 'float32']),
  );
  const images = g.lines.filter((l) => l.event === 'image');
  assert.equal(images.length, 12);
  assert.deepEqual(
    images.map((l) => (l.event === 'image' ? `${l.done}/${l.total} ${l.file}` : '')),
    labels.flatMap((s, i) => [`${2 * i + 1}/12 ${s}/0-7.png`, `${2 * i + 2}/12 ${s}/0-8.png`]),
  );
  // Steps 1..3 of each image before its image line.
  const steps = g.lines.filter((l) => l.event === 'step');
  assert.equal(steps.length, 36);
  assert.deepEqual(
    steps.slice(0, 3).map((l) => (l.event === 'step' ? [l.source, l.seed, l.step, l.steps] : [])),
    [
      ['base', 7, 1, 3],
      ['base', 7, 2, 3],
      ['base', 7, 3, 3],
    ],
  );
  const last = g.lines.at(-1);
  assert.equal(last?.event, 'done');
  assert.equal(last?.event === 'done' && last.images, 12);
  const result = JSON.parse(readFileSync(join(g.dir, 'generation.json'), 'utf8')) as GenerationResult;
  assert.equal(result.complete, true);
  assert.equal(result.device, 'cpu');
  assert.equal(result.dtype, 'float32');
  assert.deepEqual(
    result.images.map((i) => i.file),
    images.map((l) => (l.event === 'image' ? l.file : '')),
  );
  assert.equal(result.settings.width, 64);
  assert.equal(result.settings.prompts[0], PROMPT);
  for (const img of result.images) {
    const px = await pixels(join(g.dir, img.file));
    assert.deepEqual([px.width, px.height], [64, 32], img.file);
  }
});

test('real generate: the same seed gives the same pixels on any source; the trained LoRA changes them', opts, async () => {
  const g = await mainJob();
  const px = (label: string, seed: number) => pixels(join(g.dir, label, `0-${seed}.png`));
  const base7 = await px('base', 7);
  // Seeds 7 and 8 are different images.
  assert.notDeepEqual((await px('base', 8)).data, base7.data);
  for (const same of ['unet-of-base', 'pipeline-of-base', 'base2']) assert.ok(base7.data.equals((await px(same, 7)).data), `${same} = base`);
  for (const trainedLabel of ['checkpoint-2', 'final']) {
    const t = await px(trainedLabel, 7);
    let differing = 0;
    for (let i = 0; i < t.data.length; i++) if (t.data[i] !== base7.data[i]) differing++;
    assert.ok(differing > t.data.length / 10, `${trainedLabel} differs from base in ${differing} of ${t.data.length} bytes`);
  }
  assert.ok(!(await px('checkpoint-2', 7)).data.equals((await px('final', 7)).data), 'checkpoint-2 (step 2) and final (step 4) differ');
});

test('real generate: twice with the same seed gives byte-identical PNGs', opts, async () => {
  const g = await mainJob();
  const { ws, outDir } = the();
  const again = await generate(join(ws.root, 'gen-again'), settings([{ label: 'final', kind: 'lora', path: outDir }], { numImages: 1 }));
  assert.equal(again.code, 0, again.console.slice(-3000));
  console.log(`# a second job (1 source, 1 image) took ${again.seconds.toFixed(1)} s`);
  // The output folder (not the file) as the LoRA path: the same weights.
  assert.ok(readFileSync(join(again.dir, 'final', '0-7.png')).equals(readFileSync(join(g.dir, 'final', '0-7.png'))));
});

test('real generate: a bad LoRA path gives an error line naming it, exit 1, no image', opts, async () => {
  const { ws } = the();
  const bad = join(ws.root, 'no-such-run', 'checkpoint-9');
  const g = await generate(
    join(ws.root, 'gen-bad'),
    settings([
      { label: 'base', kind: 'base' },
      { label: 'checkpoint-9', kind: 'lora', path: bad },
    ]),
  );
  record('bad-lora.console.log', g);
  assert.equal(g.code, 1);
  const err = g.lines.find((l) => l.event === 'error');
  assert.ok(err?.event === 'error', g.console);
  assert.equal(err.source, 'checkpoint-9');
  assert.ok(err.message.includes(bad), err.message);
  // Then the traceback, for the failure view.
  assert.match(g.console, /Traceback \(most recent call last\)[\s\S]*FileNotFoundError/);
  assert.equal(existsSync(join(g.dir, 'base')), false, 'checked before any image');
  const result = JSON.parse(readFileSync(join(g.dir, 'generation.json'), 'utf8')) as GenerationResult;
  assert.equal(result.complete, false);
});
