// `publish RUN_ID|OUTPUT_DIR --repo ID …` against the loopback fake Hub: a dry run prints the files and the card and
// sends nothing; a publish of a planted finished run (the recorded real run) sends the weights, its last validation
// image cut from the event files, and the card; a missing final weights file names the checkpoint to use instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { startFakeHub } from '../hub/fakeHub';
import { plantFinishedRun } from '../hub/finishedRun';

const TOKEN = 'hf_cliPublishToken0123456789abcdef';

async function cli(root: string, env: NodeJS.ProcessEnv, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: -1, out: '', err: '' };
  const io: CliIo = {
    out: (t) => void (r.out += t),
    err: (t) => void (r.err += t),
    readStdin: async () => '',
    cwd: root,
    env,
    onInterrupt: () => () => undefined,
  };
  r.code = await main(argv, io);
  return r;
}

function workspace(t: { after: (f: () => void) => void }): { root: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), 'cli-publish-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const hfHome = join(root, 'hf-home');
  mkdirSync(hfHome);
  return { root, env: { HF_HOME: hfHome } };
}

test('publish --dry-run: the file list and the card, nothing sent', async (t) => {
  const { root, env } = workspace(t);
  const run = plantFinishedRun(root);
  const hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' } });
  t.after(() => hub.close());
  const r = await cli(root, { ...env, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }, ['publish', run.id, '--repo', 'alice/dog-lora', '--dry-run']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^  pytorch_lora_weights\.safetensors\t223952\t/m);
  assert.match(r.out, /^  images\/image_0\.png\t\d+\t.*\.sdxl\/images\//m);
  assert.match(r.out, /^instance_prompt: "a photo of sks square"$/m);
  assert.match(r.out, /^- Dataset: a local dataset of 4 images$/m);
  assert.doesNotMatch(r.out.slice(r.out.indexOf('---')), new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no local path in the card');
  assert.equal(hub.requests.length, 0);
});

test('publish RUN_ID: the weights, the last validation image and the card arrive in one commit', async (t) => {
  const { root, env } = workspace(t);
  const run = plantFinishedRun(root);
  const hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' } });
  t.after(() => hub.close());
  const r = await cli(root, { ...env, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }, [
    'publish',
    run.id.slice(0, 10),
    '--repo',
    'alice/dog-lora',
    '--private',
    '--license',
    'mit',
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`${hub.url.replace(/[.]/g, '\\.')}/alice/dog-lora`));
  assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN));
  const repo = hub.repo('alice/dog-lora')!;
  assert.equal(repo.private, true);
  assert.deepEqual(Object.keys(repo.files!).sort(), ['.sdxl-publish.json', 'README.md', 'images/image_0.png', 'pytorch_lora_weights.safetensors']);
  assert.ok(Buffer.from(repo.files!['pytorch_lora_weights.safetensors']!).equals(readFileSync(join(run.outputDir, 'pytorch_lora_weights.safetensors'))));
  assert.equal(Buffer.from(repo.files!['images/image_0.png']!).subarray(1, 4).toString('latin1'), 'PNG');
  const card = Buffer.from(repo.files!['README.md']!).toString('utf8');
  assert.match(card, /^license: "mit"$/m);
  assert.match(card, /^    url: "images\/image_0\.png"$/m);
  assert.equal(hub.commits.length, 1);
});

test('publish: missing final weights name the newest checkpoint; --from-checkpoint publishes it; no token is an error', async (t) => {
  const { root, env } = workspace(t);
  const run = plantFinishedRun(root, { withFinalWeights: false });
  const hub = await startFakeHub({ tokens: { [TOKEN]: 'alice' } });
  t.after(() => hub.close());
  const missing = await cli(root, { ...env, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }, ['publish', run.id, '--repo', 'alice/x', '--no-images']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /final weights are missing/);
  assert.match(missing.err, /--from-checkpoint 6 publishes checkpoint-6's weights instead/);
  const noToken = await cli(root, { ...env, HF_ENDPOINT: hub.url }, ['publish', run.id, '--repo', 'alice/x', '--no-images', '--from-checkpoint', '6']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.err, /no Hugging Face token: set HF_TOKEN/);
  const ok = await cli(root, { ...env, HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN }, [
    'publish',
    run.id,
    '--repo',
    'alice/x',
    '--no-images',
    '--from-checkpoint',
    '6',
  ]);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(
    Buffer.from(hub.repo('alice/x')!.files!['pytorch_lora_weights.safetensors']!).equals(
      readFileSync(join(run.outputDir, 'checkpoint-6', 'pytorch_lora_weights.safetensors')),
    ),
  );
  assert.match(Buffer.from(hub.repo('alice/x')!.files!['README.md']!).toString('utf8'), /checkpoint at step 6/);
});

test("publish --generation JOB: the job's images of the final weights, with their prompts, replace the validation image", async (t) => {
  const { root, env } = workspace(t);
  const run = plantFinishedRun(root);
  const jobId = '20261129-130000-dog-samples';
  const out = join(root, '.sdxl', 'samples', 'dog-samples-20261129-130000');
  mkdirSync(join(out, 'final'), { recursive: true });
  mkdirSync(join(out, 'base'), { recursive: true });
  for (const f of ['final/0-7.png', 'final/1-7.png', 'base/0-7.png']) writeFileSync(join(out, f), `png ${f}`);
  const settings = {
    baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    sources: [
      { label: 'base', kind: 'base' },
      { label: 'final', kind: 'lora', path: run.outputDir, step: 6 },
    ],
    prompts: ['a sks square on a beach', 'a sks square in snow'],
    steps: 20,
    guidance: 5,
    seed: 7,
    numImages: 1,
    width: 64,
    height: 64,
  };
  const images = [
    { source: 'base', promptIndex: 0, seed: 7, file: 'base/0-7.png' },
    { source: 'final', promptIndex: 0, seed: 7, file: 'final/0-7.png' },
    { source: 'final', promptIndex: 1, seed: 7, file: 'final/1-7.png' },
  ];
  writeFileSync(join(out, 'request.json'), JSON.stringify({ version: 1, runId: run.id, runName: run.name, settings, createdAt: '2026-11-29T13:00:00.000Z' }));
  writeFileSync(join(out, 'generation.json'), JSON.stringify({ version: 1, settings, images, complete: true }));
  const rec = join(root, '.sdxl', 'generations', jobId);
  mkdirSync(rec, { recursive: true });
  const at = '2026-11-29T13:00:00.000Z';
  writeFileSync(
    join(rec, 'run.json'),
    JSON.stringify({
      id: jobId,
      name: 'dog samples',
      script: 'lora',
      plan: { argv: ['python', 'sdxl_generate.py'], env: {}, cwd: root },
      outputDir: out,
      createdAt: at,
      startedAt: at,
      endedAt: at,
      state: 'succeeded',
      exitCode: 0,
    }),
  );
  writeFileSync(join(rec, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, endedAt: at, stopRequested: false }));
  writeFileSync(join(rec, 'console.log'), '');
  const r = await cli(root, env, ['publish', run.id, '--repo', 'alice/dog-lora', '--dry-run', '--generation', '20261129-1300']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^  images\/image_0\.png\t\d+\t.*final\/0-7\.png$/m);
  assert.match(r.out, /^  images\/image_1\.png\t\d+\t.*final\/1-7\.png$/m);
  assert.doesNotMatch(r.out, /base\/0-7\.png|\.sdxl\/images\//);
  assert.match(r.out, /^- text: "a sks square on a beach"\n  output:\n    url: "images\/image_0\.png"$/m);
  assert.match(r.out, /^- text: "a sks square in snow"$/m);
  const none = await cli(root, env, ['publish', run.id, '--repo', 'alice/dog-lora', '--dry-run', '--generation', 'nope']);
  assert.equal(none.code, 2);
  assert.match(none.err, /--generation nope: no generation job/);
});
