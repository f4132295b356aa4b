// Fuzz: importCommandText (the "New Config from Command Line" paste and `import --stdin`) on random shell-ish text and
// on real launch commands (random configs → launch plan → bash quoting), mutated or not.
// Properties: only ImportError escapes (with a message); an imported config is well-formed (a known script, known
// arguments with scalar values, launcher settings of the right types), validates without an exception and is planned
// or refused with a deliberate error; an unmutated command line gives its config's arguments back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SdxlConfig } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { ImportError, importCommandText } from '../../src/core/launch/importCommand';
import { buildLaunchPlan } from '../../src/core/launch/launchPlan';
import { SCRIPT_KINDS, SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from '../../src/core/scripts/scriptTables';
import { formatCommandLine } from '../../src/core/launch/shellQuote';
import { assertDeliberateError, runFuzz, type Rng } from './fuzzKit';

const STRINGS = [
  'plain/value',
  ' ',
  "it's",
  'say "hi"',
  '$(rm -rf /)',
  '`whoami`',
  '${HOME}',
  '$HOME',
  'a; echo pwned',
  'a && b | c',
  'line1\nline2',
  'héllo wörld 🎨',
  '-leading-dash',
  '--looks=like-a-flag',
  '*.png',
  '~/x',
  'back\\slash',
  'trailing\\',
  '!!',
  '#not-a-comment',
  '‘smart’',
  '\'"\'"',
  'tab\there',
  'cr\rhere',
  '\u00a0nbsp',
];

function valueFor(rng: Rng, spec: ArgSpec): ArgValue {
  switch (spec.type) {
    case 'bool-flag':
      return true;
    case 'bool':
      return rng.chance(0.5);
    case 'int':
      return rng.pick([0, 1, 7, -3, 123456789012, 2 ** 53 - 1]);
    case 'float':
      return rng.pick([1e-6, 0.1, -2.5e-8, 3, 1e21, 0.30000000000000004, 5e-324]);
    case 'str':
      return spec.choices
        ? (rng.pick(spec.choices) as ArgValue)
        : rng.chance(0.5)
          ? rng.pick(STRINGS)
          : rng.string(rng.size(30), 'abc/._- $"\'\\`;&|#~*?!(){}[]<>\n');
  }
}

function randomConfig(rng: Rng): SdxlConfig {
  const kind = rng.pick(SCRIPT_KINDS);
  const args: Record<string, ArgValue> = {};
  for (const spec of SCRIPTS[kind].args) if (spec.required || rng.chance(0.15)) args[spec.dest] = valueFor(rng, spec);
  return {
    script: kind,
    args,
    ...(rng.chance(0.5)
      ? {
          launch: {
            accelerateArgs: {
              num_processes: rng.between(1, 8),
              ...(rng.chance(0.5) ? { multi_gpu: true } : {}),
              mixed_precision: rng.pick(['no', 'fp16', 'bf16']),
            },
          },
        }
      : {}),
  };
}

const WORDS = [
  'accelerate',
  'launch',
  'python',
  'python3',
  '-m',
  'accelerate.commands.launch',
  'accelerate.commands.accelerate_cli',
  'train_text_to_image_sdxl.py',
  'train_text_to_image_lora_sdxl.py',
  'train_dreambooth_lora_sdxl.py',
  'examples/x/train.py',
  '--num_processes',
  '--multi_gpu',
  '--mixed_precision=fp16',
  '--config_file',
  '--learning_rate',
  '--learning_rate=1e-4',
  '--resolution',
  '1024',
  '--train_batch_size=4',
  '--report_to',
  'wandb',
  '--output_dir',
  'out dir',
  '--',
  '-',
  '--=',
  '--pretrained_model_name_or_path',
  'stabilityai/stable-diffusion-xl-base-1.0',
  '--no_such_flag',
  '--validation_prompt',
  '"a photo"',
  "'single'",
  '"unterminated',
  "'unterminated",
  '\\',
  '\\\n',
  '`\n',
  '^\n',
  '#',
  '# comment',
  ';',
  '&&',
  '||',
  '|',
  '&',
  'export',
  'MODEL=stabilityai/x',
  'OUT="$MODEL/y"',
  '$MODEL',
  '${MODEL}',
  '${UNSET}',
  '$(date)',
  '`date`',
  'env',
  'A=1',
  'HF_TOKEN=hf_abc',
  'CUDA_VISIBLE_DEVICES=0,1',
  'sudo',
  'nohup',
  'time',
  '\t',
  '\r\n',
  '\n',
  '  ',
  '\0',
  '\u202e',
  '--gpu_ids=all',
  '9'.repeat(400),
  '1e999',
  '-1e999',
  `--num_processes=${'9'.repeat(30)}`,
  '--main_process_port',
  '--num_train_epochs',
  '--rank',
];

interface ImportInput {
  text: string;
  kind: ScriptKind | undefined;
  /** The config an unmutated command line came from. */
  from?: SdxlConfig;
}

function shellish(rng: Rng): string {
  const lines: string[] = [];
  for (let l = rng.size(8) + 1; l > 0; l--) {
    const words: string[] = [];
    for (let w = rng.size(40); w > 0; w--) words.push(rng.chance(0.85) ? rng.pick(WORDS) : rng.string(rng.size(20)));
    lines.push(words.join(rng.pick([' ', ' ', ' ', '  ', ' \\\n  ', '\t'])));
  }
  return lines.join(rng.pick(['\n', '\r\n', ' && ', '; ']));
}

function mutate(rng: Rng, text: string): string {
  let t = text;
  for (let m = rng.between(1, 4); m > 0; m--) {
    const at = rng.int(t.length + 1);
    switch (rng.int(5)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + rng.size(20));
        break;
      case 1:
        t = t.slice(0, at) + rng.pick(WORDS) + t.slice(at);
        break;
      case 2:
        t = t.slice(0, at) + rng.pick(['"', "'", '\\', '$', '`', '#', '\n', ' ', '=', '--']) + t.slice(at);
        break;
      case 3:
        t = t.slice(0, at) + t.slice(at, at + rng.size(200)).repeat(rng.between(2, 50)) + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + rng.string(rng.size(10)) + t.slice(at);
    }
  }
  return t;
}

function importInput(rng: Rng): ImportInput {
  const kind = rng.chance(0.2) ? rng.pick(SCRIPT_KINDS) : undefined;
  const r = rng.int(10);
  if (r < 4) {
    const from = randomConfig(rng);
    const line = formatCommandLine(
      buildLaunchPlan(from, '/ws/c.sdxl.json', { platform: 'linux', home: '/home/u' }).argv,
      'bash',
      rng.chance(0.5) ? { multiline: false } : {},
    );
    return rng.chance(0.5) ? { text: line, kind: undefined, from } : { text: mutate(rng, line), kind };
  }
  if (r < 5) return { text: rng.string(rng.size(2000)), kind };
  return { text: rng.chance(0.3) ? mutate(rng, shellish(rng)) : shellish(rng), kind };
}

const isScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function assertWellFormed(config: SdxlConfig, warnings: string[]): void {
  assert.ok((SCRIPT_KINDS as readonly string[]).includes(config.script), `script ${config.script}`);
  for (const [dest, v] of Object.entries(config.args)) {
    assert.ok(SCRIPTS[config.script].byDest.has(dest), `args.${dest} is an argument of ${config.script}`);
    assert.ok(isScalar(v), `args.${dest}: ${JSON.stringify(v)} is not a scalar`);
  }
  const launch = config.launch ?? {};
  for (const k of ['python', 'accelerate', 'scriptPath', 'cwd'] as const) if (launch[k] !== undefined) assert.equal(typeof launch[k], 'string', `launch.${k}`);
  for (const [k, v] of Object.entries(launch.env ?? {})) assert.equal(typeof v, 'string', `launch.env.${k}`);
  for (const [k, v] of Object.entries(launch.accelerateArgs ?? {})) assert.ok(isScalar(v), `launch.accelerateArgs.${k}: ${JSON.stringify(v)}`);
  for (const w of warnings) assert.ok(typeof w === 'string' && w.length > 0);
}

test('fuzz: importCommandText', async () => {
  await runFuzz<ImportInput>({
    name: 'import',
    file: 'test/fuzz/import.fuzz.ts',
    generate: importInput,
    check: (input) => {
      let result;
      try {
        result = importCommandText(input.kind, input.text);
      } catch (e) {
        assertDeliberateError(e, [ImportError], 'importCommandText');
        assert.equal(input.from, undefined, `a real command line was refused: ${(e as Error).message}`);
        return;
      }
      const { config, warnings } = result;
      assertWellFormed(config, warnings);
      // What the extension does next with it: show its diagnostics, and plan the launch.
      const text = JSON.stringify(config, null, 2);
      const diagnostics = validateConfig(text);
      for (const d of diagnostics) assert.ok(d.offset >= 0 && d.offset + d.length <= text.length, `diagnostic ${d.code} inside the text`);
      try {
        const plan = buildLaunchPlan(config, '/ws/imported.sdxl.json', { platform: 'linux', home: '/home/u' });
        assert.ok(plan.argv.every((a) => typeof a === 'string'));
      } catch (e) {
        // The planner may refuse what no process can take (a NUL character), with a clear error.
        assertDeliberateError(e, [Error], 'buildLaunchPlan');
      }
      if (input.from) {
        // What a command line carries: set values, with false store_true flags and nulls absent.
        // hub_token is not one: the launch passes it as HF_TOKEN in the environment, never on the command line.
        const carried = Object.fromEntries(
          Object.entries(input.from.args).filter(
            ([d, v]) => v !== null && d !== 'hub_token' && !(SCRIPTS[input.from!.script].byDest.get(d)!.type === 'bool-flag' && v === false),
          ),
        );
        assert.equal(config.script, input.from.script);
        assert.deepEqual(config.args, carried, 'the command line gives its config back');
      }
    },
    sizeOf: (input) => Buffer.byteLength(input.text),
    describe: (input) => `kind ${input.kind ?? '-'}${input.from ? ' (unmutated command line)' : ''}: ${JSON.stringify(input.text).slice(0, 500)}`,
  });
});
