// python/sdxl_generate.py reads exactly the flags generationArgv writes: the argv of src/core/generate/argv.ts parsed
// by the script's own argparse (plain python3; torch is imported only once the arguments are known) gives back the
// same settings, the shape generation.json carries. Bad sources are usage errors (exit 2) before anything loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { generationArgv } from '../../src/core/generate/argv';
import { GENERATE_SCRIPT, type GenerationSettings } from '../../src/core/generate/types';
import { repoRoot } from './supervisorTestKit';

const SCRIPT = join(repoRoot, ...GENERATE_SCRIPT);
const PYTHON = process.platform === 'win32' ? 'python' : 'python3';

/** The script's parse_args + settings_of on `args`, as JSON. */
function parsed(args: string[]): { status: number | null; settings?: GenerationSettings; stderr: string } {
  const code = [
    'import importlib.util, json, sys',
    `spec = importlib.util.spec_from_file_location("g", ${JSON.stringify(SCRIPT)})`,
    'g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)',
    'print(json.dumps(g.settings_of(g.parse_args(sys.argv[1:]))))',
  ].join('\n');
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, ...(r.status === 0 ? { settings: JSON.parse(r.stdout) as GenerationSettings } : {}) };
}

const SETTINGS: GenerationSettings = {
  baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
  vae: 'madebyollin/sdxl-vae-fp16-fix',
  revision: 'main',
  variant: 'fp16',
  sources: [
    { label: 'base', kind: 'base' },
    // `=` and `:` in a path, and a path starting with `-`: kept whole.
    { label: 'checkpoint-4', kind: 'lora', path: '/runs/a=b:c/checkpoint-4' },
    { label: 'final', kind: 'pipeline', path: '-odd/out' },
    { label: 'unet.500', kind: 'unet', path: 'C:\\runs\\checkpoint-500' },
  ],
  prompts: ['a photo of sks dog', '--not a flag', 'ünïcödé, "quoted"'],
  negativePrompt: 'blurry',
  steps: 30,
  guidance: 7.5,
  seed: 4294967295,
  numImages: 3,
  width: 832,
  height: 1216,
  device: 'cpu',
};

test('the argv generationArgv writes parses back to the same settings in the script', () => {
  const argv = generationArgv(PYTHON, SCRIPT, SETTINGS, '/out dir');
  const r = parsed(argv.slice(2));
  assert.equal(r.status, 0, r.stderr);
  // The script does not know a source's training step (it only orders the views).
  assert.deepEqual(r.settings, SETTINGS);
  // Only what is given: no vae, revision, variant or negative prompt; device auto is not passed and reads back as auto.
  const plain: GenerationSettings = { ...SETTINGS, sources: [{ label: 'base', kind: 'base' }], prompts: ['p'], device: 'auto' };
  delete plain.vae;
  delete plain.revision;
  delete plain.variant;
  delete plain.negativePrompt;
  const r2 = parsed(generationArgv(PYTHON, SCRIPT, plain, '/o').slice(2));
  assert.equal(r2.status, 0, r2.stderr);
  assert.deepEqual(r2.settings, plain);
});

test('bad --source values and repeated labels are usage errors naming the value, before torch is imported', () => {
  const base = ['--pretrained_model_name_or_path', 'm', '--prompt', 'p', '--output_dir', '/o'];
  for (const [source, re] of [
    ['final', /--source 'final': expected LABEL=base, LABEL=lora:PATH/],
    ['x=lora', /--source 'x=lora'/],
    ['x=base:/p', /--source 'x=base:\/p'/],
    ['x=ckpt:/p', /--source 'x=ckpt:\/p'/],
    ['=base', /--source '=base'/],
  ] as const) {
    const r = spawnSync(PYTHON, [SCRIPT, ...base, '--source', source], { encoding: 'utf8' });
    assert.equal(r.status, 2, `${source}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stdout, /SDXL_GENERATE/);
  }
  const twice = spawnSync(PYTHON, [SCRIPT, ...base, '--source', 'a=base', '--source', 'a=lora:/x'], { encoding: 'utf8' });
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /--source labels must be unique \(got a, a\)/);
});
