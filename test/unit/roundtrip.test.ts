// Config → launch plan → (bash) → argv → the scripts' own argparse declarations → the same values back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { ENV_ARGS, buildLaunchPlan, type LaunchPlan } from '../../src/core/launch/launchPlan';
import { formatCommandLine } from '../../src/core/launch/shellQuote';
import { importCommandText } from '../../src/core/launch/importCommand';
import type { SdxlConfig } from '../../src/core/config/config';
import { SCRIPT_KINDS, SCRIPTS, type ArgSpec, type ArgValue, type ScriptKind } from '../../src/core/scripts/scriptTables';
import { repoRoot } from './repoRoot';

const ROOT = repoRoot();
const ECHO_BIN = join(ROOT, 'test', 'fixtures', 'argv-echo-bin');
const PARSER = join(ROOT, 'test', 'fixtures', 'argparse_roundtrip.py');
const hasPython = spawnSync('python3', ['--version']).status === 0;

const STRINGS = [
  'plain/value',
  '',
  ' ',
  "it's",
  'say "hi"',
  '$(rm -rf /)',
  '`whoami`',
  '${HOME}',
  'a; echo pwned',
  'a && b | c',
  'line1\nline2',
  'héllo wörld 🎨 日本語',
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
];
const INTS = [7, -3, 123456789012, 0, 2 ** 53 - 1, 1];
const FLOATS = [1e-6, 0.1, -2.5e-8, 3, 1e21, 0.30000000000000004, 5e-324];

/** A value for `spec` different from its default, varied by `v`. */
function valueFor(spec: ArgSpec, index: number, v: number): ArgValue {
  const pick = <T>(xs: readonly T[]): T => {
    const ok = xs.filter((x) => x !== spec.default);
    return ok[(index + v) % ok.length]!;
  };
  switch (spec.type) {
    case 'bool-flag':
      return true;
    case 'bool':
      return v % 2 === 0 ? !spec.default : Boolean(spec.default);
    case 'int':
      return pick(INTS);
    case 'float':
      return pick(FLOATS);
    case 'str':
      return spec.choices ? pick(spec.choices) : pick(STRINGS);
  }
}

function configs(kind: ScriptKind): SdxlConfig[] {
  const out: SdxlConfig[] = [];
  for (let v = 0; v < STRINGS.length; v++) {
    const args: Record<string, ArgValue> = {};
    SCRIPTS[kind].args.forEach((spec, i) => {
      args[spec.dest] = valueFor(spec, i, v);
    });
    out.push({ script: kind, args, launch: { accelerateArgs: { num_processes: 2, multi_gpu: true, mixed_precision: 'bf16' } } });
  }
  // Nothing set but the required arguments: everything else must come back as the script's default.
  const required = Object.fromEntries(SCRIPTS[kind].args.filter((a) => a.required).map((a) => [a.dest, 'x']));
  out.push({ script: kind, args: { ...required, seed: null } });
  return out;
}

function scriptPart(kind: ScriptKind, argv: readonly string[]): string[] {
  const i = argv.indexOf(SCRIPTS[kind].fileName, 2);
  assert.ok(i > 0, 'script path in argv');
  return argv.slice(i + 1);
}

type Parsed = { ok: true; ns: Record<string, unknown> } | { ok: false; error: string };
function argparse(kind: ScriptKind, argvs: string[][]): Parsed[] {
  const out = execFileSync('python3', [PARSER], {
    input: JSON.stringify({ table: join(ROOT, 'src', 'core', 'scripts', 'data', `${kind}.args.json`), argvs }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as Parsed[];
}

/** Runs every command line in one bash process; the fake accelerate prints one JSON line per command. */
function throughBash(lines: string[]): string[][] {
  const out = execFileSync('bash', ['-c', lines.join('\n')], {
    env: { ...process.env, PATH: ECHO_BIN + delimiter + (process.env.PATH ?? '') },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out
    .trim()
    .split('\n')
    .map((l) => ['accelerate', ...(JSON.parse(l) as { argv: string[] }).argv]);
}

const byEnv = (dest: string) => Object.prototype.hasOwnProperty.call(ENV_ARGS, dest);

function expectNamespace(kind: ScriptKind, config: SdxlConfig, parsed: Parsed, label: string): void {
  assert.ok(parsed.ok, `${label}: argparse rejected the argv: ${parsed.ok ? '' : parsed.error}`);
  for (const spec of SCRIPTS[kind].args) {
    // hub_token travels as HF_TOKEN (expectEnvArgs), never on the command line: the script sees its default.
    const value = byEnv(spec.dest) ? null : config.args[spec.dest];
    const expected = value === null || value === undefined ? (spec.type === 'bool-flag' ? Boolean(spec.default) : spec.default) : value;
    assert.deepEqual(parsed.ns[spec.dest], expected, `${label}: ${spec.dest}`);
  }
}

/** Arguments passed in the environment (hub_token → HF_TOKEN) are there, with the config's value, and not in argv. */
function expectEnvArgs(config: SdxlConfig, plan: LaunchPlan, label: string): void {
  for (const [dest, name] of Object.entries(ENV_ARGS)) {
    const value = config.args[dest];
    assert.ok(!plan.argv.some((a) => a === `--${dest}` || a.startsWith(`--${dest}=`)), `${label}: --${dest} in argv`);
    if (typeof value === 'string' && value !== '') assert.equal(plan.env[name], value, `${label}: ${name}`);
    else assert.equal(plan.env[name], undefined, `${label}: ${name}`);
  }
}

for (const kind of SCRIPT_KINDS) {
  test(`${kind}: every argument survives config → argv → argparse, directly and through bash`, { skip: !hasPython && 'python3 not found' }, () => {
    const cs = configs(kind);
    const plans = cs.map((c) => buildLaunchPlan(c, '/tmp/roundtrip/c.sdxl.json', { platform: 'linux' }));
    // Every argument got a non-default value in some config.
    for (const spec of SCRIPTS[kind].args)
      assert.ok(
        cs.some((c) => c.args[spec.dest] !== spec.default && c.args[spec.dest] !== null),
        spec.dest,
      );

    const direct = argparse(
      kind,
      plans.map((p) => scriptPart(kind, p.argv)),
    );
    direct.forEach((parsed, i) => expectNamespace(kind, cs[i]!, parsed, `config ${i}`));
    plans.forEach((p, i) => expectEnvArgs(cs[i]!, p, `config ${i}`));

    // Each config spreads the hostile strings over the string arguments, so a few configs through bash
    // (one process start each) already carry every string; the defaults-only config is the last one.
    const picked: number[] = [];
    const seen = new Set<ArgValue | undefined>();
    cs.forEach((c, i) => {
      const values = Object.values(c.args);
      if (i === cs.length - 1 || values.some((x) => !seen.has(x))) {
        picked.push(i);
        values.forEach((x) => seen.add(x));
      }
    });
    const bashArgv = throughBash(picked.map((i) => formatCommandLine(plans[i]!.argv, 'bash')));
    assert.equal(bashArgv.length, picked.length);
    bashArgv.forEach((argv, j) => assert.deepEqual(argv, plans[picked[j]!]!.argv, `bash config ${picked[j]}`));
    const carried = new Set(picked.flatMap((i) => Object.values(cs[i]!.args)));
    for (const s of STRINGS) assert.ok(carried.has(s), `string ${JSON.stringify(s)} went through bash`);
    const viaBash = argparse(
      kind,
      bashArgv.map((a) => scriptPart(kind, a)),
    );
    viaBash.forEach((parsed, j) => expectNamespace(kind, cs[picked[j]!]!, parsed, `bash config ${picked[j]}`));
  });

  test(`${kind}: importing the bash command line gives the config back`, () => {
    for (const [i, config] of configs(kind).entries()) {
      const plan = buildLaunchPlan(config, '/tmp/roundtrip/c.sdxl.json', { platform: 'linux' });
      const { config: back } = importCommandText(undefined, formatCommandLine(plan.argv, 'bash'));
      // What the command line can carry: set values, with false store_true flags and nulls absent.
      const carried = Object.fromEntries(
        Object.entries(config.args).filter(([d, v]) => v !== null && !byEnv(d) && !(SCRIPTS[kind].byDest.get(d)!.type === 'bool-flag' && v === false)),
      );
      assert.equal(back.script, kind);
      assert.deepEqual(back.args, carried, `config ${i}`);
      assert.deepEqual(back.launch?.accelerateArgs, config.launch?.accelerateArgs, `config ${i} launcher`);
    }
  });
}
