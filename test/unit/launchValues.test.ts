// Values that reach the launch (issue 8, items 6, 7 and 16): what the OS or the script cannot take as written is an
// error diagnostic where it is written, and buildLaunchPlan refuses it naming the key, instead of mangling it
// (objects, arrays), dropping it (a switch given as a string) or letting spawn throw in the wrapper (NUL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SdxlConfig } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { startWithErrorsQuestion } from '../../src/core/diagnostics/startGate';
import { applyFix } from '../../src/core/config/fixes';
import { buildLaunchPlan, LaunchPlanError, scriptArgv } from '../../src/core/launch/launchPlan';
import { SCRIPT_KINDS } from '../../src/core/scripts/scriptTables';
import { repoRoot } from './repoRoot';

const CONFIG = '/proj/configs/dog.sdxl.json';
const model = { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0' };

function plan(config: Partial<SdxlConfig>, opts = {}) {
  return buildLaunchPlan({ script: 'full', args: model, ...config } as SdxlConfig, CONFIG, { platform: 'linux', home: '/home/u', ...opts });
}

test('values that cannot be passed as written are refused with the key named, not passed mangled or dropped', () => {
  const refused = (config: Partial<SdxlConfig>, key: RegExp) =>
    assert.throws(
      () => plan(config),
      (e: Error) => e instanceof LaunchPlanError && key.test(e.message),
    );
  // An object went to String() ("Cannot convert object to primitive value" for JSON objects without a prototype).
  refused({ args: { ...model, resolution: JSON.parse('{"a": 1}') } }, /^args\.resolution is an object: --resolution takes one value/);
  refused({ args: { ...model, resolution: Object.create(null) as never } }, /^args\.resolution is an object/);
  // An array was joined with commas.
  refused({ args: { ...model, validation_prompt: ['a', 'b'] as never } }, /^args\.validation_prompt is an array/);
  // A switch given as a string was dropped.
  refused({ args: { ...model, gradient_checkpointing: 'true' } }, /^args\.gradient_checkpointing is a switch: use true or false, not the string "true"/);
  refused({ launch: { accelerateArgs: { gpu_ids: ['0', '1'] as never } } }, /^launch\.accelerateArgs\.gpu_ids is an array/);
  refused({ launch: { accelerateArgs: [1] as never } }, /^launch\.accelerateArgs must be an object/);
  refused({ launch: { env: { HF_HOME: { a: 1 } as never } } }, /^launch\.env\.HF_HOME is an object/);
  refused({ launch: { env: ['A=1'] as never } }, /^launch\.env must be an object/);
  refused({ launch: { env: { 'A=B': '1' } } }, /^launch\.env\["A=B"\]: an environment variable name cannot be empty or contain "="/);
  refused({ launch: { env: { '': '1' } } }, /^launch\.env\[""\]: .*cannot be empty/);
  refused({ launch: { cwd: { a: 1 } as never } }, /^launch\.cwd must be a string \(a path\), not an object/);
  refused({ launch: { python: ['py'] as never } }, /^launch\.python must be a string/);
  // Scalars of another type still go through as their text (the diagnostics flag them; argparse reads them).
  assert.deepEqual(scriptArgv('full', { revision: 5 as never }), ['--revision', '5']);
});

test('a NUL character anywhere the launch goes is refused with the key named (spawn would throw in the wrapper)', () => {
  const nul = (config: Partial<SdxlConfig>, key: string) =>
    assert.throws(
      () => plan(config),
      (e: Error) => e instanceof LaunchPlanError && e.message.startsWith(key) && /contains a NUL character \(\\u0000\)/.test(e.message),
      key,
    );
  nul({ args: { ...model, validation_prompt: 'a\u0000b' } }, 'args.validation_prompt');
  nul({ args: { ...model, pretrained_model_name_or_path: '\u0000' } }, 'args.pretrained_model_name_or_path');
  nul({ script: 'dreambooth-lora', args: { ...model, prodigy_decouple: 'x\u0000' as never } }, 'args.prodigy_decouple');
  nul({ launch: { accelerateArgs: { gpu_ids: '0\u0000' } } }, 'launch.accelerateArgs.gpu_ids');
  nul({ launch: { accelerateArgs: { 'x\u0000': true } as never } }, 'The name of launch.accelerateArgs["x\\u0000"]');
  nul({ launch: { env: { HF_HOME: '/a\u0000' } } }, 'launch.env.HF_HOME');
  nul({ launch: { env: { 'A\u0000': '1' } } }, 'The name of launch.env["A\\u0000"]');
  for (const key of ['python', 'accelerate', 'scriptPath', 'cwd'] as const) nul({ launch: { [key]: `/x\u0000` } }, `launch.${key}`);
});

test('a scriptPath starting with - is passed as ./-… so accelerate does not read it as an option', () => {
  assert.equal(plan({ launch: { scriptPath: '-train.py' } }).argv[2], './-train.py');
  assert.equal(plan({ launch: { scriptPath: '--help' } }).argv[2], './--help');
  assert.equal(buildLaunchPlan({ script: 'lora', args: {}, launch: { scriptPath: '-t.py' } }, 'C:\\p\\a.sdxl.json', { platform: 'win32' }).argv[2], '.\\-t.py');
  assert.equal(plan({ launch: { scriptPath: 'a/-train.py' } }).argv[2], 'a/-train.py');
});

test('no script argument takes a list (nargs), so an array value is always refused', () => {
  // The argument tables record argparse's nargs; should a script gain a list argument, argWords must pass its items.
  for (const kind of SCRIPT_KINDS) {
    const table = JSON.parse(readFileSync(join(repoRoot(), 'src', 'core', 'scripts', 'data', `${kind}.args.json`), 'utf8')) as {
      args: Array<{ dest: string; nargs: unknown }>;
    };
    assert.ok(table.args.length > 50);
    assert.deepEqual(
      table.args.filter((a) => a.nargs !== null).map((a) => a.dest),
      [],
      kind,
    );
  }
});

/** A lora config that validates clean, with `change` applied to its JSON value. */
function doc(change: (d: { script: string; launch: Record<string, unknown>; args: Record<string, unknown> }) => void): string {
  const d = {
    script: 'lora',
    launch: {} as Record<string, unknown>,
    args: { ...model, train_data_dir: 'data', validation_prompt: 'a dog', validation_epochs: 1 } as Record<string, unknown>,
  };
  change(d);
  return JSON.stringify(d, null, 2);
}

test('a NUL character is an error diagnostic placed on the \\u0000 itself, with a fix that removes it', () => {
  assert.deepEqual(
    validateConfig(
      doc(() => {}),
      {},
    ),
    [],
    'the base config is clean',
  );
  const cases: Array<[string, (d: Parameters<Parameters<typeof doc>[0]>[0]) => void, string]> = [
    ['/args/validation_prompt', (d) => (d.args.validation_prompt = 'a \u0000dog'), '"args.validation_prompt"'],
    ['/launch/cwd', (d) => (d.launch.cwd = '/w\u0000'), '"launch.cwd"'],
    ['/launch/scriptPath', (d) => (d.launch.scriptPath = '\u0000x.py'), '"launch.scriptPath"'],
    ['/launch/env/HF_HOME', (d) => (d.launch.env = { HF_HOME: 'a\u0000' }), 'Environment variable "HF_HOME"'],
    ['/launch/env/A\u0000', (d) => (d.launch.env = { 'A\u0000': '1' }), 'The name of an environment variable'],
    ['/launch/accelerateArgs/gpu_ids', (d) => (d.launch.accelerateArgs = { gpu_ids: '0\u0000' }), 'accelerate option "gpu_ids"'],
  ];
  for (const [path, change, what] of cases) {
    const text = doc(change);
    const ds = validateConfig(text, {}).filter((x) => x.code === 'nul-character');
    assert.equal(ds.length, 1, path);
    const d = ds[0]!;
    assert.equal(d.severity, 'error');
    assert.equal(d.path, path);
    assert.equal(text.slice(d.offset, d.offset + d.length), '\\u0000', `${path}: the range is the escape`);
    assert.ok(d.message.startsWith(`${what} contains a NUL character (\\u0000)`), d.message);
    const lines = text.slice(0, d.offset).split('\n');
    assert.deepEqual([d.line, d.column], [lines.length, lines.at(-1)!.length + 1]);
    assert.ok(d.fix, `${path} has a fix`);
    assert.deepEqual(
      validateConfig(applyFix(text, d.fix), {}).filter((x) => x.code === 'nul-character'),
      [],
      `${path}: fixed`,
    );
  }
  // An escaped backslash followed by "u0000" is text, not a NUL; an unknown key is not passed, so not checked here.
  assert.deepEqual(
    validateConfig(
      doc((d) => (d.args.validation_prompt = 'C:\\u0000')),
      {},
    ),
    [],
  );
  assert.equal(
    validateConfig(
      doc((d) => (d.args.not_an_arg = '\u0000')),
      {},
    ).filter((x) => x.code === 'nul-character').length,
    0,
  );
});

test('environment variable names that cannot exist are errors on the name', () => {
  for (const name of ['', 'A=B', '=x']) {
    const text = doc((d) => (d.launch.env = { [name]: '1' }));
    const d = validateConfig(text, {}).find((x) => x.code === 'env-name');
    assert.ok(d, JSON.stringify(name));
    assert.equal(d.severity, 'error');
    assert.equal(text.slice(d.offset, d.offset + d.length), JSON.stringify(name));
  }
});

test('whatever buildLaunchPlan refuses is an error diagnostic at the same key first', () => {
  const bad: Array<[string, (d: Parameters<Parameters<typeof doc>[0]>[0]) => void]> = [
    ['/args/rank', (d) => (d.args.rank = { a: 1 })],
    ['/args/validation_prompt', (d) => (d.args.validation_prompt = ['a', 'b'])],
    ['/args/gradient_checkpointing', (d) => (d.args.gradient_checkpointing = 'true')],
    ['/args/validation_prompt', (d) => (d.args.validation_prompt = 'a\u0000')],
    ['/launch/accelerateArgs/gpu_ids', (d) => (d.launch.accelerateArgs = { gpu_ids: ['0'] })],
    ['/launch/accelerateArgs', (d) => (d.launch.accelerateArgs = [1])],
    ['/launch/env/HF_HOME', (d) => (d.launch.env = { HF_HOME: { a: 1 } })],
    ['/launch/env/A=B', (d) => (d.launch.env = { 'A=B': '1' })],
    ['/launch/env', (d) => (d.launch.env = ['A=1'])],
    ['/launch/cwd', (d) => (d.launch.cwd = { a: 1 })],
    ['/launch/python', (d) => (d.launch.python = ['python3'])],
  ];
  for (const [path, change] of bad) {
    const text = doc(change);
    assert.ok(
      validateConfig(text, {}).some((d) => d.severity === 'error' && d.path === path),
      `${path}: error diagnostic`,
    );
    const key = path.slice(1).replace(/\//g, '.');
    assert.throws(
      () => buildLaunchPlan(JSON.parse(text) as SdxlConfig, CONFIG),
      (e: Error) => e instanceof LaunchPlanError && e.message.replace(/\["(.*)"\]/, '.$1').includes(key),
      `${path}: refused naming ${key}`,
    );
  }
});

test('Start asks before a config with errors, naming how many and the first', () => {
  const text = doc((d) => {
    d.args.gradient_checkpointing = 'true';
    d.args.rank = { a: 1 };
  });
  const question = startWithErrorsQuestion('foo.sdxl.json', validateConfig(text, {}));
  assert.match(
    question ?? '',
    /^foo\.sdxl\.json has 2 errors \(first: line \d+: "gradient_checkpointing" is a switch: use true or false, not the string "true"\)\. Start anyway\?$/,
  );
  assert.match(
    startWithErrorsQuestion(
      'a.sdxl.json',
      validateConfig(
        doc((d) => (d.args.validation_prompt = '\u0000')),
        {},
      ),
    ) ?? '',
    /^a\.sdxl\.json has 1 error \(first: line \d+: "args\.validation_prompt" contains a NUL/,
  );
  // Warnings alone do not ask.
  assert.equal(
    startWithErrorsQuestion(
      'a.sdxl.json',
      validateConfig(
        doc((d) => (d.args.nope = 1)),
        {},
      ),
    ),
    undefined,
  );
});
