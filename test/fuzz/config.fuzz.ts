// Fuzz: the config parser, validator (with its quick fixes), memory estimate and launch planner on JSON-ish mutations of
// real configs (demo-workspace, the e2e workspaces, every preset as rendered): text edits (brackets, quotes,
// comments, cuts, duplicated keys) and value edits (wrong types, NULs, huge or negative numbers, nesting, unknown and
// misspelt keys, odd launch settings).
// Properties: nothing throws but a deliberate Error from the launch planner; every diagnostic is well-formed and lies
// within the text; applying a quick fix gives text that validates again; a launch plan holds only strings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { test } from 'node:test';
import { parse as parseJsonc } from 'jsonc-parser';
import { parseConfigText } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { applyFix } from '../../src/core/config/fixes';
import { buildLaunchPlan } from '../../src/core/launch/launchPlan';
import { estimateMemory } from '../../src/core/config/memoryEstimate';
import { configFromPreset, PRESETS, renderConfig } from '../../src/core/config/presets';
import { SCRIPT_KINDS, SCRIPTS } from '../../src/core/scripts/scriptTables';
import { repoRoot } from '../unit/repoRoot';
import { assertDeliberateError, runFuzz, type Rng } from './fuzzKit';

const SEEDS: string[] = [
  ...[
    'demo-workspace/squares-lora.sdxl.json',
    'test/e2e/runs-workspace/oom.sdxl.json',
    'test/e2e/runs-workspace/normal.sdxl.json',
    'test/e2e/workspace-template/lora.sdxl.json',
  ].map((f) => readFileSync(join(repoRoot(), f), 'utf8')),
  ...PRESETS.map((p) => renderConfig(configFromPreset(p, './schemas/sdxl-config.schema.json'), ['a preset'])),
];
const ALL_DESTS = [...new Set(SCRIPT_KINDS.flatMap((k) => SCRIPTS[k].args.map((a) => a.dest)))];
const TOKENS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '//',
  '/*',
  '*/',
  '\n',
  'null',
  'true',
  'false',
  '1e999',
  '-0',
  'NaN',
  'Infinity',
  '"\\u0000"',
  '"\\ud800"',
  '0x10',
  '.5',
  '+1',
  '"a"',
  '""',
  '\u2028',
  '\ufeff',
  ',,',
  '"script": "full",',
  '"args": {},',
];

/** A value of the kind a hand-edited config may hold, wrong types included. */
function value(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 9 : 12)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick([0, -1, 1, 0.5, 1e-4, 2 ** 53, 2 ** 64, -(2 ** 31), 1e308, 5e-324, 1024, 7]);
    case 3:
      return rng.between(-10, 100_000);
    case 4:
      return rng.string(rng.size(40));
    case 5:
      return rng.pick([
        'fp16',
        'bf16',
        'no',
        'tensorboard',
        'wandb',
        'constant',
        'cosine',
        './data',
        '~/x',
        '-x',
        '--flag',
        'a\0b',
        '',
        ' ',
        'true',
        '1e-4',
        '${HOME}',
        'hf_abcdefghijklmnopqrstuvwxyz123456',
      ]);
    case 6:
      return rng.string(rng.size(20), 'abc/.\\-_ 0\0\n\t"\'$`');
    case 7:
      return rng.pick(SCRIPT_KINDS);
    case 8:
      return 'x'.repeat(rng.size(100_000));
    case 9:
      return Array.from({ length: rng.size(6) }, () => value(rng, depth + 1));
    case 10: {
      const o: Record<string, unknown> = {};
      for (let i = rng.size(5); i > 0; i--) o[rng.chance(0.5) ? rng.pick(ALL_DESTS) : rng.string(rng.size(10))] = value(rng, depth + 1);
      return o;
    }
    default: {
      // Nested, a few dozen levels (the validator's own depth limit is another item's test).
      let v: unknown = value(rng, 3);
      for (let i = rng.size(40); i > 0; i--) v = rng.chance(0.5) ? [v] : { k: v };
      return v;
    }
  }
}

function misspelt(rng: Rng, key: string): string {
  const i = rng.int(key.length + 1);
  switch (rng.int(4)) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1);
    case 1:
      return key.slice(0, i) + rng.string(1, 'abcdefghijklmnopqrstuvwxyz_-') + key.slice(i);
    case 2:
      return key.toUpperCase();
    default:
      return key.replace(/_/g, '-');
  }
}

function mutateValue(rng: Rng, doc: Record<string, unknown>): unknown {
  const args = (doc.args && typeof doc.args === 'object' && !Array.isArray(doc.args) ? doc.args : (doc.args = {})) as Record<string, unknown>;
  for (let m = rng.between(1, 5); m > 0; m--) {
    const keys = Object.keys(args);
    switch (rng.int(10)) {
      case 0:
      case 1:
        args[rng.chance(0.7) && keys.length ? rng.pick(keys) : rng.pick(ALL_DESTS)] = value(rng);
        break;
      case 2:
        if (keys.length) delete args[rng.pick(keys)];
        break;
      case 3: {
        // misspell or add an unknown key
        const k = keys.length ? rng.pick(keys) : 'learning_rate';
        args[misspelt(rng, k)] = args[k] ?? value(rng);
        if (rng.chance(0.5)) delete args[k];
        break;
      }
      case 4:
        doc.script = rng.chance(0.7) ? rng.pick(SCRIPT_KINDS) : value(rng);
        break;
      case 5: {
        const launch = (doc.launch && typeof doc.launch === 'object' ? doc.launch : (doc.launch = {})) as Record<string, unknown>;
        launch[rng.pick(['python', 'accelerate', 'scriptPath', 'cwd', 'env', 'accelerateArgs', 'other'])] = rng.chance(0.3)
          ? Object.fromEntries(
              Array.from({ length: rng.size(4) }, () => [
                rng.pick(['HF_TOKEN', 'CUDA_VISIBLE_DEVICES', 'num_processes', 'multi_gpu', 'A=B', '', 'x\0']),
                value(rng),
              ]),
            )
          : value(rng);
        break;
      }
      case 6:
        doc[rng.pick(['name', '$schema', 'extra', 'launch', 'args'])] = value(rng);
        break;
      case 7:
        return rng.chance(0.5) ? [doc] : value(rng); // not an object at the top
      default:
        args[rng.pick(ALL_DESTS)] = rng.pick([true, false, 0, 1, -1, '1', 'yes', null, 1e999, 8.5, 2 ** 31]);
    }
  }
  return doc;
}

function mutateText(rng: Rng, text: string): string {
  let t = text;
  for (let m = rng.between(1, 6); m > 0; m--) {
    const at = rng.int(t.length + 1);
    switch (rng.int(6)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + rng.size(50));
        break;
      case 1:
        t = t.slice(0, at) + rng.pick(TOKENS) + t.slice(at);
        break;
      case 2:
        t = t.slice(0, at) + t.slice(at, at + rng.size(200)) + t.slice(at);
        break; // duplicated keys and values
      case 3:
        t = t.slice(0, at);
        break;
      case 4:
        t = t.slice(0, at) + rng.string(rng.size(8)) + t.slice(at);
        break;
      default: {
        const i = t.indexOf('{');
        if (i >= 0) t = `${t.slice(0, i + 1)}"script": ${JSON.stringify(rng.pick([...SCRIPT_KINDS, 'nope']))},${t.slice(i + 1)}`;
      }
    }
  }
  return t;
}

interface ConfigInput {
  text: string;
  platform: 'linux' | 'win32';
  gpus: boolean;
}

function configInput(rng: Rng): ConfigInput {
  const seed = rng.pick(SEEDS);
  let text: string;
  const r = rng.int(10);
  if (r < 5) {
    const doc = (parseJsonc(seed) ?? {}) as Record<string, unknown>;
    const mutated = mutateValue(rng, doc);
    text = JSON.stringify(mutated, null, rng.chance(0.5) ? 2 : undefined) ?? 'undefined';
    if (rng.chance(0.3)) text = mutateText(rng, text);
  } else if (r < 9) text = mutateText(rng, seed);
  else text = rng.string(rng.size(3000), '{}[]:,"\\/* \n0123456789.eE+-abcdefnrtul\0');
  return { text, platform: rng.chance(0.8) ? 'linux' : 'win32', gpus: rng.chance(0.5) };
}

const SEVERITIES = new Set(['error', 'warning', 'info']);

function assertDiagnostics(text: string, diagnostics: ReturnType<typeof validateConfig>): void {
  for (const d of diagnostics) {
    const where = `diagnostic ${d.code} (${d.message.slice(0, 80)})`;
    assert.ok(SEVERITIES.has(d.severity), `${where}: severity`);
    assert.ok(typeof d.code === 'string' && d.code.length > 0, `${where}: code`);
    // Messages may quote a value, so their size follows the text's; never more than linearly.
    assert.ok(
      typeof d.message === 'string' && d.message.length > 0 && d.message.length <= 2 * text.length + 2000,
      `${where}: message of ${d.message.length} characters`,
    );
    assert.ok(d.path === '' || d.path.startsWith('/'), `${where}: path ${d.path}`);
    assert.ok(
      Number.isInteger(d.offset) && d.offset >= 0 && Number.isInteger(d.length) && d.length >= 0 && d.offset + d.length <= text.length,
      `${where}: range ${d.offset}+${d.length} in ${text.length}`,
    );
    assert.ok(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.column) && d.column >= 1, `${where}: line ${d.line}, column ${d.column}`);
  }
}

test('fuzz: config parser, validator, fixes, estimate and launch plan', async () => {
  await runFuzz<ConfigInput>({
    name: 'config',
    seconds: 120,
    file: 'test/fuzz/config.fuzz.ts',
    generate: configInput,
    check: (input, rng) => {
      const { text } = input;
      const parsed = parseConfigText(text);
      for (const p of parsed.problems) assert.ok(p.offset >= 0 && p.length >= 0 && p.offset + p.length <= text.length, `parse problem range: ${p.message}`);
      const ctx = {
        configPath: input.platform === 'win32' ? 'C:\\ws\\c.sdxl.json' : '/ws/c.sdxl.json',
        listDir: () => ['0001.png', 'metadata.jsonl'],
        ...(input.gpus ? { gpus: [{ index: 0, name: 'NVIDIA H100', memoryTotalMiB: 81559 }] } : {}),
      };
      const diagnostics = validateConfig(text, ctx);
      assertDiagnostics(text, diagnostics);
      // A quick fix applied: the text still parses into diagnostics the same way.
      const fixable = diagnostics.filter((d) => d.fix);
      if (fixable.length > 0) {
        const fixed = applyFix(text, rng.pick(fixable).fix!);
        assert.equal(typeof fixed, 'string');
        assertDiagnostics(fixed, validateConfig(fixed, ctx));
      }
      const config = parsed.config;
      if (!config) return;
      estimateMemory(config);
      try {
        const plan = buildLaunchPlan(config, ctx.configPath, { platform: input.platform, home: input.platform === 'win32' ? 'C:\\Users\\u' : '/home/u' });
        assert.ok(plan.argv.length >= 3 && plan.argv.every((a) => typeof a === 'string'), 'argv: strings');
        for (const [k, v] of Object.entries(plan.env)) assert.equal(typeof v, 'string', `env.${k}`);
        assert.ok(input.platform === 'win32' ? /^[A-Za-z]:\\/.test(plan.cwd) : isAbsolute(plan.cwd), `cwd ${plan.cwd}`);
      } catch (e) {
        assertDeliberateError(e, [Error], 'buildLaunchPlan');
      }
    },
    sizeOf: (input) => Buffer.byteLength(input.text),
    describe: (input) => `${input.platform}${input.gpus ? ', with a GPU' : ''}: ${JSON.stringify(input.text).slice(0, 600)}`,
  });
});
