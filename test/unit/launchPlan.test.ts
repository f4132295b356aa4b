import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { buildLaunchPlan, numberText, scriptArgv } from '../../src/core/launch/launchPlan';
import type { SdxlConfig } from '../../src/core/config/config';
import { SCRIPTS } from '../../src/core/scripts/scriptTables';

const CONFIG = '/proj/configs/dog.sdxl.json';
const model = { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0' };

function plan(config: Partial<SdxlConfig>, opts = {}) {
  return buildLaunchPlan({ script: 'full', args: model, ...config } as SdxlConfig, CONFIG, { platform: 'linux', home: '/home/u', ...opts });
}

test('argv is accelerate launch, its options, the script, then the script args', () => {
  const p = plan({ launch: { accelerateArgs: { num_processes: 2, multi_gpu: true, mixed_precision: 'bf16' } } });
  assert.deepEqual(p.argv, [
    'accelerate',
    'launch',
    '--num_processes',
    '2',
    '--multi_gpu',
    '--mixed_precision',
    'bf16',
    SCRIPTS.full.fileName,
    '--pretrained_model_name_or_path',
    model.pretrained_model_name_or_path,
  ]);
  assert.equal(p.script, 'full');
  // false launcher flags and nulls are left out; unknown launcher options pass through.
  assert.deepEqual(plan({ launch: { accelerateArgs: { multi_gpu: false, gpu_ids: '0,1', use_deepspeed: true } as never } }).argv.slice(0, 5), [
    'accelerate',
    'launch',
    '--gpu_ids',
    '0,1',
    '--use_deepspeed',
  ]);
});

test('accelerate executable: explicit, next to a python path, or on PATH', () => {
  assert.equal(plan({ launch: { python: 'python3' } }).argv[0], 'accelerate');
  assert.equal(plan({ launch: { python: '/opt/venv/bin/python' } }).argv[0], '/opt/venv/bin/accelerate');
  assert.equal(plan({ launch: { python: '../.venv/bin/python' } }).argv[0], '/proj/.venv/bin/accelerate');
  assert.equal(plan({ launch: { python: '~/venv/bin/python' } }).argv[0], '/home/u/venv/bin/accelerate');
  assert.equal(plan({ launch: { python: '/opt/venv/bin/python', accelerate: '/x/accelerate' } }).argv[0], '/x/accelerate');
  assert.equal(plan({ launch: { accelerate: 'accelerate-custom' } }).argv[0], 'accelerate-custom');
  const win = buildLaunchPlan({ script: 'lora', args: {}, launch: { python: 'C:\\venv\\Scripts\\python.exe' } }, 'C:\\proj\\a.sdxl.json', {
    platform: 'win32',
  });
  assert.equal(win.argv[0], 'C:\\venv\\Scripts\\accelerate.exe');
  assert.equal(win.cwd, 'C:\\proj');
});

test('script path and cwd default to the script file name and the config folder', () => {
  assert.equal(plan({}).cwd, '/proj/configs');
  assert.equal(plan({ launch: { cwd: '../diffusers/examples/text_to_image' } }).cwd, '/proj/diffusers/examples/text_to_image');
  assert.equal(plan({ launch: { cwd: '/abs' } }).cwd, '/abs');
  assert.equal(plan({ launch: { cwd: '~/work' } }).cwd, '/home/u/work');
  assert.equal(plan({ launch: { scriptPath: 'examples/x/train_text_to_image_sdxl.py' } }).argv[2], 'examples/x/train_text_to_image_sdxl.py');
  assert.equal(plan({}).argv[2], 'train_text_to_image_sdxl.py');
  assert.equal(buildLaunchPlan({ script: 'full', args: {} }, 'rel/c.sdxl.json', { platform: 'linux' }).cwd, join(process.cwd(), 'rel'));
});

test('env holds only the config additions plus PYTHONUNBUFFERED=1', () => {
  assert.deepEqual(plan({}).env, { PYTHONUNBUFFERED: '1' });
  assert.deepEqual(plan({ launch: { env: { CUDA_VISIBLE_DEVICES: '0,1', PYTHONUNBUFFERED: '0' } } }).env, {
    CUDA_VISIBLE_DEVICES: '0,1',
    PYTHONUNBUFFERED: '1',
  });
});

test('script args follow the table order; flags, nulls, unknown keys and type=bool are mapped', () => {
  const args = { seed: 42, use_8bit_adam: true, gradient_checkpointing: false, revision: null, not_an_arg: 'x', ...model, learning_rate: 1e-6 };
  const argv = scriptArgv('full', args);
  // Same elements whatever the key order of the config, with flags in the table's order.
  assert.deepEqual(scriptArgv('full', Object.fromEntries(Object.entries(args).reverse())), argv);
  const flags = argv.filter((a) => a.startsWith('--'));
  assert.deepEqual(new Set(flags), new Set(['--pretrained_model_name_or_path', '--seed', '--learning_rate', '--use_8bit_adam']));
  const positions = flags.map((f) => SCRIPTS.full.args.findIndex((s) => s.name === f));
  assert.deepEqual(
    positions,
    [...positions].sort((a, b) => a - b),
  );
  assert.equal(argv[argv.indexOf('--seed') + 1], '42');
  assert.equal(argv.length, flags.length + 3); // three flags carry a value; use_8bit_adam is bare

  const db = scriptArgv('dreambooth-lora', { prodigy_decouple: false, prodigy_use_bias_correction: true });
  assert.deepEqual(db, ['--prodigy_decouple=', '--prodigy_use_bias_correction=True']);
});

test('numbers keep their value; values starting with - are attached with =', () => {
  assert.equal(numberText(123456789012, 'int'), '123456789012');
  assert.equal(numberText(1e21, 'int'), '1000000000000000000000');
  assert.equal(Number(numberText(1e-6, 'float')), 1e-6);
  assert.equal(Number(numberText(0.1, 'float')), 0.1);
  const argv = scriptArgv('full', { local_rank: -1, validation_prompt: '--not-a-flag', output_dir: '-out' });
  assert.ok(argv.includes('--local_rank=-1'));
  assert.ok(argv.includes('--validation_prompt=--not-a-flag'));
  assert.ok(argv.includes('--output_dir=-out'));
  const hostile = 'a "b" \'c\' $(rm -rf /) `x`; y\nz é';
  const v = scriptArgv('full', { validation_prompt: hostile });
  assert.deepEqual(v, ['--validation_prompt', hostile]);
});

function fakeIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    cwd: mkdtempSync(join(tmpdir(), 'sdxl-command-')),
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readStdin: async () => '',
  };
  return io;
}

test('CLI command: --json prints the plan, --shell the quoted line, bad input exits 1', async () => {
  const io = fakeIo();
  try {
    writeFileSync(
      join(io.cwd, 'a.sdxl.json'),
      JSON.stringify({
        script: 'lora',
        launch: { env: { HF_HOME: '/hf' }, accelerateArgs: { num_processes: 2 } },
        args: { ...model, validation_prompt: "it's $(x)", nope: 1 },
      }),
    );
    assert.equal(await main(['command', 'a.sdxl.json', '--json'], io), 0);
    const out = JSON.parse(io.stdout) as { argv: string[]; env: Record<string, string>; cwd: string };
    const expected = buildLaunchPlan(JSON.parse(readFileSync(join(io.cwd, 'a.sdxl.json'), 'utf8')), join(io.cwd, 'a.sdxl.json'));
    assert.deepEqual(out, { argv: expected.argv, env: expected.env, cwd: io.cwd });
    assert.match(io.stderr, /args\.nope is not an argument/);

    io.stdout = '';
    assert.equal(await main(['command', 'a.sdxl.json', '--shell', 'bash'], io), 0);
    assert.match(io.stdout, /^cd .* && \\\nHF_HOME=\/hf PYTHONUNBUFFERED=1 accelerate launch \\\n {2}--num_processes 2 \\\n/);
    assert.ok(io.stdout.includes(`--validation_prompt 'it'\\''s $(x)'`));
    io.stdout = '';
    assert.equal(await main(['command', 'a.sdxl.json', '--shell', 'powershell'], io), 0);
    assert.match(io.stdout, /^Set-Location -LiteralPath '.*'\n\$\{env:HF_HOME\} = '\/hf'\n/);

    io.stderr = '';
    assert.equal(await main(['command', 'missing.sdxl.json', '--json'], io), 1);
    assert.match(io.stderr, /missing\.sdxl\.json: error: .*missing\.sdxl\.json no such file/);
    writeFileSync(join(io.cwd, 'bad.sdxl.json'), '{\n  "script": "sdxl",\n  "args": {}\n}');
    io.stderr = '';
    assert.equal(await main(['command', 'bad.sdxl.json'], io), 1);
    assert.match(io.stderr, /bad\.sdxl\.json:2:13: error: Unknown script "sdxl"/);
    writeFileSync(join(io.cwd, 'broken.sdxl.json'), '{ "script": "full", "args": { ');
    assert.equal(await main(['command', 'broken.sdxl.json'], io), 1);
    assert.match(io.stderr, /broken\.sdxl\.json:1:\d+: error: Invalid JSON/);
    assert.equal(await main(['command', 'a.sdxl.json', '--shell', 'fish'], io), 2);
  } finally {
    rmSync(io.cwd, { recursive: true, force: true });
  }
});

const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';

test('hub_token never goes on the command line: it is passed as HF_TOKEN, over launch.env', () => {
  for (const script of ['full', 'lora', 'dreambooth-lora'] as const) {
    const p = plan({ script, args: { ...model, hub_token: TOKEN, push_to_hub: true } });
    assert.ok(!p.argv.some((a) => a.includes('hub_token') || a.includes(TOKEN)), `${script}: ${p.argv.join(' ')}`);
    assert.ok(p.argv.includes('--push_to_hub'));
    assert.equal(p.env.HF_TOKEN, TOKEN);
  }
  assert.equal(plan({ args: { ...model, hub_token: TOKEN }, launch: { env: { HF_TOKEN: 'hf_otherFAKEtoken0123456789' } } }).env.HF_TOKEN, TOKEN);
  assert.equal(plan({ launch: { env: { HF_TOKEN: 'hf_otherFAKEtoken0123456789' } } }).env.HF_TOKEN, 'hf_otherFAKEtoken0123456789');
  assert.equal(plan({ args: { ...model, hub_token: '' } }).env.HF_TOKEN, undefined);
});

test('CLI command masks secret values unless --show-secrets, and says so', async () => {
  const io = fakeIo();
  try {
    writeFileSync(
      join(io.cwd, 't.sdxl.json'),
      JSON.stringify({
        script: 'lora',
        launch: { env: { WANDB_API_KEY: 'wandbFAKEkey0123456789' } },
        args: { ...model, hub_token: TOKEN },
      }),
    );
    for (const form of [['--json'], ['--shell', 'bash'], ['--shell', 'powershell']]) {
      io.stdout = io.stderr = '';
      assert.equal(await main(['command', 't.sdxl.json', ...form], io), 0);
      assert.ok(!io.stdout.includes(TOKEN) && !io.stdout.includes('wandbFAKEkey0123456789'), io.stdout);
      assert.ok(io.stdout.includes('hf_…ghij') && io.stdout.includes('…6789'), io.stdout);
      assert.match(io.stderr, /secret values are masked; --show-secrets prints them/);
    }
    io.stdout = io.stderr = '';
    assert.equal(await main(['command', 't.sdxl.json', '--json', '--show-secrets'], io), 0);
    const out = JSON.parse(io.stdout) as { argv: string[]; env: Record<string, string> };
    assert.equal(out.env.HF_TOKEN, TOKEN);
    assert.equal(out.env.WANDB_API_KEY, 'wandbFAKEkey0123456789');
    assert.equal(io.stderr, '');
    io.stdout = '';
    assert.equal(await main(['command', 't.sdxl.json', '--shell', 'bash', '--show-secrets'], io), 0);
    assert.ok(io.stdout.includes(`HF_TOKEN=${TOKEN}`), io.stdout);
  } finally {
    rmSync(io.cwd, { recursive: true, force: true });
  }
});
