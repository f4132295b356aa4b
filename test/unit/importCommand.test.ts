import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  assignedVariables,
  ImportError,
  importArgs,
  importCommandText,
  splitShellCommands,
  tokenizeShellCommand,
  UnknownScriptError,
} from '../../src/core/launch/importCommand';
import { importDocumentText, isImportDocument } from '../../src/core/launch/importDocument';
import { renderConfig } from '../../src/core/config/presets';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { repoRoot } from './repoRoot';

const ECHO_BIN = join(repoRoot(), 'test', 'fixtures', 'argv-echo-bin');

// In the style of the diffusers README, with extra quoting the tokenizer must get right.
const README = `# Full fine-tune of SDXL
export MODEL_NAME="stabilityai/stable-diffusion-xl-base-1.0"
export VAE_NAME="madebyollin/sdxl-vae-fp16-fix"
export DATASET_NAME='lambdalabs/naruto-blip-captions'

accelerate launch --num_processes=2 --multi_gpu \\
  train_text_to_image_sdxl.py \\
  --pretrained_model_name_or_path=$MODEL_NAME \\
  --pretrained_vae_model_name_or_path=\${VAE_NAME} \\
  --dataset_name="$DATASET_NAME" \\
  --enable_xformers_memory_efficient_attention \\
  --resolution=512 --center_crop --random_flip \\
  --proportion_empty_prompts=0.2 \\
  --train_batch_size=1 \\
  --gradient_accumulation_steps=4 --gradient_checkpointing \\
  --max_train_steps=10000 \\
  --use_8bit_adam \\
  --learning_rate=1e-06 --lr_scheduler="constant" --lr_warmup_steps=0 \\
  --mixed_precision="fp16" \\
  --report_to="wandb" \\
  --validation_prompt="a cute Sundar Pichai creature, it's \\"quoted\\" \\$(not run) \\\`nor this\\\`" \\
  --validation_epochs 5 \\
  --checkpointing_steps=5000 \\
  --output_dir='sdxl $HOME naruto' # trailing comment
`;

test('tokenizer reads a README command exactly as bash does', () => {
  const ours = tokenizeShellCommand(README, { vars: assignedVariables(README) });
  const out = execFileSync('bash', ['-c', README], {
    env: { PATH: ECHO_BIN + delimiter + (process.env.PATH ?? '') },
    encoding: 'utf8',
  });
  const bash = JSON.parse(out.trim()) as { argv: string[] };
  assert.deepEqual(ours, ['accelerate', ...bash.argv]);
});

test('tokenizer keeps $VARS literally unless the text assigns them', () => {
  assert.deepEqual(tokenizeShellCommand('accelerate launch x.py --a=$MODEL --b "${B}/x" --c \'$C\''), [
    'accelerate',
    'launch',
    'x.py',
    '--a=$MODEL',
    '--b',
    '${B}/x',
    '--c',
    '$C',
  ]);
  assert.deepEqual(tokenizeShellCommand('accelerate launch x.py --a "$(date)" `x`'), ['accelerate', 'launch', 'x.py', '--a', '$(date)', '`x`']);
  assert.deepEqual(splitShellCommands('cd x && python a.py --x 1; echo "a;b" | tee\n# c\nz'), [
    ['cd', 'x'],
    ['python', 'a.py', '--x', '1'],
    ['echo', 'a;b'],
    ['tee'],
    ['z'],
  ]);
  assert.deepEqual(tokenizeShellCommand('pip install x\npython train_dreambooth_lora_sdxl.py --rank 8\necho done'), [
    'python',
    'train_dreambooth_lora_sdxl.py',
    '--rank',
    '8',
  ]);
  assert.deepEqual(tokenizeShellCommand('accelerate launch `\r\n  x.py ^\n  --a=`b`'), ['accelerate', 'launch', 'x.py', '--a=`b`']);
  assert.throws(() => tokenizeShellCommand('accelerate launch "x'), ImportError);
  assert.throws(() => tokenizeShellCommand("accelerate launch 'x"), ImportError);
});

test('README import: launcher options, typed values, flags and substituted variables', () => {
  const { config, warnings } = importCommandText(undefined, README);
  assert.equal(config.script, 'full');
  assert.deepEqual(config.launch, { accelerateArgs: { num_processes: 2, multi_gpu: true } });
  assert.equal(config.args.pretrained_model_name_or_path, 'stabilityai/stable-diffusion-xl-base-1.0');
  assert.equal(config.args.dataset_name, 'lambdalabs/naruto-blip-captions');
  assert.equal(config.args.resolution, 512);
  assert.equal(config.args.proportion_empty_prompts, 0.2);
  assert.equal(config.args.learning_rate, 1e-6);
  assert.equal(config.args.validation_epochs, 5);
  assert.equal(config.args.center_crop, true);
  assert.equal(config.args.mixed_precision, 'fp16');
  assert.equal(config.args.output_dir, 'sdxl $HOME naruto');
  assert.equal(config.args.validation_prompt, 'a cute Sundar Pichai creature, it\'s "quoted" $(not run) `nor this`');
  assert.ok(
    warnings.some((w) => w.includes('$HOME')),
    warnings.join('\n'),
  );
  assert.equal(config.$schema, undefined);
});

test('importArgs: python launchers, script path, env prefix, bool, abbreviations and unknown flags', () => {
  const r = importArgs(undefined, [
    'CUDA_VISIBLE_DEVICES=0,1',
    '/venv/bin/python',
    '-m',
    'accelerate.commands.launch',
    '--mixed_precision',
    'bf16',
    '--num_machines',
    '1',
    '--weird_opt',
    'v',
    'diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py',
    '--instance_prompt',
    'a photo of sks dog',
    '--pretrained_model',
    'm',
    '--prodigy_decouple=',
    '--prodigy_use_bias_correction',
    'False',
    '--local_rank',
    '-1',
    '--bogus',
    'x',
    '--rank=16',
    '--with_prior_preservation',
    '--optimizer',
    'prodigy',
    'stray',
  ]);
  assert.equal(r.config.script, 'dreambooth-lora');
  assert.deepEqual(r.config.launch, {
    python: '/venv/bin/python',
    accelerateArgs: { mixed_precision: 'bf16', num_machines: 1, weird_opt: 'v' },
    scriptPath: 'diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py',
    env: { CUDA_VISIBLE_DEVICES: '0,1' },
  });
  assert.deepEqual(r.config.args, {
    instance_prompt: 'a photo of sks dog',
    pretrained_model_name_or_path: 'm',
    prodigy_decouple: false,
    prodigy_use_bias_correction: true,
    local_rank: -1,
    rank: 16,
    with_prior_preservation: true,
    optimizer: 'prodigy',
  });
  for (const needle of ['--weird_opt', 'abbreviation', 'means True', '--bogus', '"stray"']) {
    assert.ok(
      r.warnings.some((w) => w.includes(needle)),
      `warning about ${needle}: ${r.warnings.join('\n')}`,
    );
  }
});

test('importArgs: bare script args need a kind; mismatches and bad values warn', () => {
  assert.throws(() => importArgs(undefined, ['--learning_rate', '1e-5']), ImportError);
  assert.throws(() => importArgs(undefined, ['accelerate', 'launch', 'my_train.py', '--x']), /Cannot tell which script/);
  const r = importArgs('lora', ['--learning_rate', '1e-5', '--train_batch_size', 'four', '--mixed_precision', 'fp32', '--rank']);
  assert.deepEqual(r.config, { script: 'lora', args: { learning_rate: 1e-5, train_batch_size: 'four', mixed_precision: 'fp32' } });
  assert.equal(r.warnings.length, 4, r.warnings.join('\n')); // not an int, not a choice, --rank without value, model missing
  const m = importArgs('lora', ['python', 'train_text_to_image_sdxl.py', '--seed', '1']);
  assert.equal(m.config.script, 'lora');
  assert.ok(m.warnings.some((w) => w.includes('"full"')));
  assert.ok(m.warnings.some((w) => w.includes('plain python')));
});

function fakeIo(stdin = ''): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd: mkdtempSync(join(tmpdir(), 'sdxl-import-')),
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readStdin: async () => stdin,
  };
  return io;
}

test('CLI import: -- ARG…, --stdin and --out', async () => {
  const io = fakeIo();
  try {
    assert.equal(await main(['import', '--script', 'full', '--', '--pretrained_model_name_or_path', 'm', '--seed', '7', '--nope'], io), 0);
    assert.deepEqual(JSON.parse(io.stdout), { script: 'full', args: { pretrained_model_name_or_path: 'm', seed: 7 } });
    assert.match(io.stderr, /warning: Unknown option --nope/);

    const io2 = fakeIo(README);
    assert.equal(await main(['import', '--stdin', '--out', 'x.sdxl.json'], io2), 0);
    const written = readFileSync(join(io2.cwd, 'x.sdxl.json'), 'utf8');
    assert.ok(written.endsWith('}\n'));
    assert.equal(JSON.parse(written).args.resolution, 512);
    assert.match(written, /^\{\n {2}"script": "full",/);
    rmSync(io2.cwd, { recursive: true, force: true });

    const io3 = fakeIo('echo hello');
    assert.equal(await main(['import', '--stdin'], io3), 1);
    assert.match(io3.stderr, /Cannot|script/);
    rmSync(io3.cwd, { recursive: true, force: true });
    assert.equal(await main(['import', '--script', 'nope', '--', '--x'], io), 2);
  } finally {
    rmSync(io.cwd, { recursive: true, force: true });
  }
});

// The LoRA command of the diffusers README (examples/text_to_image/README_sdxl.md), as pasted.
const README_LORA = readFileSync(join(repoRoot(), 'test', 'fixtures', 'commands', 'readme-lora-sdxl.sh'), 'utf8');

const README_LORA_ARGS = {
  pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
  pretrained_vae_model_name_or_path: 'madebyollin/sdxl-vae-fp16-fix',
  dataset_name: 'lambdalabs/naruto-blip-captions',
  caption_column: 'text',
  resolution: 1024,
  random_flip: true,
  train_batch_size: 1,
  num_train_epochs: 2,
  checkpointing_steps: 500,
  learning_rate: 1e-4,
  lr_scheduler: 'constant',
  lr_warmup_steps: 0,
  mixed_precision: 'fp16',
  seed: 42,
  output_dir: 'sd-naruto-model-lora-sdxl',
  validation_prompt: 'cute dragon creature',
  report_to: 'wandb',
  push_to_hub: true,
};

test('the README LoRA command: export lines resolve $VARs, continuations join, and the config renders', () => {
  const r = importCommandText(undefined, README_LORA);
  assert.deepEqual(r.config, { script: 'lora', args: README_LORA_ARGS });
  assert.deepEqual(r.warnings, []);
  // num_train_epochs has no help text in the script's argparse table: the rendered config still explains it.
  const rendered = renderConfig(r.config, ['Imported.']);
  const lines = rendered.split('\n');
  const at = lines.findIndex((l) => l.trim() === '"num_train_epochs": 2,');
  assert.ok(at > 0, rendered);
  assert.match(lines[at - 1]!, /^ {4}\/\/ Number of passes over the training data/);
  assert.doesNotMatch(rendered, /\/\/ (null|undefined)/);
});

test('the command line scratch document imports as the CLI import --stdin does', async () => {
  const doc = importDocumentText() + README_LORA;
  assert.ok(isImportDocument(doc.split('\n')[0]!));
  assert.ok(!isImportDocument('#!/bin/bash'));
  const inEditor = importCommandText(undefined, doc);
  assert.deepEqual(inEditor.config, { script: 'lora', args: README_LORA_ARGS });
  const io = fakeIo(doc);
  try {
    assert.equal(await main(['import', '--stdin'], io), 0);
    assert.deepEqual(JSON.parse(io.stdout), inEditor.config);
    assert.equal(io.stderr, '');
  } finally {
    rmSync(io.cwd, { recursive: true, force: true });
  }
  // Only the header: nothing to import, said plainly.
  assert.throws(() => importCommandText(undefined, importDocumentText()), /holds no command/);
  // A script the import cannot name is its own error, so the editor can ask which script it is.
  assert.throws(() => importCommandText(undefined, 'accelerate launch my_train.py --seed 1'), UnknownScriptError);
  assert.throws(() => importArgs(undefined, ['--seed', '1']), UnknownScriptError);
  assert.ok(!(new ImportError('x') instanceof UnknownScriptError));
});

test('a number too large for a double is kept as text with a warning, not turned into Infinity (JSON null) (found by the fuzz suite)', () => {
  const big = '9'.repeat(400);
  const r = importCommandText(undefined, `accelerate launch train_dreambooth_lora_sdxl.py --rank ${big} --learning_rate 1e999 --instance_prompt x`);
  assert.equal(r.config.args.rank, big);
  assert.equal(r.config.args.learning_rate, '1e999');
  assert.ok(
    r.warnings.some((w) => /--rank: 9{40}… is too large for a JSON number; kept as text/.test(w)),
    r.warnings.join('\n'),
  );
  assert.ok(r.warnings.some((w) => /--learning_rate: 1e999 is too large/.test(w)));
  assert.equal(JSON.parse(JSON.stringify(r.config)).args.rank, big);
  const launcher = importCommandText(undefined, `accelerate launch --num_processes ${big} --main_process_port 29500 train_text_to_image_lora_sdxl.py`);
  assert.deepEqual(launcher.config.launch?.accelerateArgs, { num_processes: big, main_process_port: 29500 });
});
