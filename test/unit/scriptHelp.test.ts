// The user's own script's argument table: argparse --help parsed (fixtures of the real v0.27.2 scripts, and the real
// scripts themselves when the real worker is installed), a failing and a hanging --help, the cache, and the
// diagnostics that differ between the built-in table and the script's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repoRoot';
import { HelpParseError, parseArgparseHelp } from '../../src/core/scriptHelp/helpParser';
import { runHelp, type HelpRunner } from '../../src/core/scriptHelp/helpRunner';
import { helpTargetOf, shebangInterpreter, type HelpTarget } from '../../src/core/scriptHelp/helpTarget';
import { ScriptTableCache } from '../../src/core/scriptHelp/scriptTableCache';
import { describeTableChoice, shortTableChoice, tableFromHelp, type ArgTableChoice } from '../../src/core/scriptHelp/scriptTable';
import { SCRIPTS } from '../../src/core/scripts/scriptTables';
import { validateConfig } from '../../src/core/diagnostics';
import type { SdxlConfig } from '../../src/core/config/config';

const FIX = join(repoRoot(), 'test/fixtures/script-help');
const fixture = (name: string): string => readFileSync(join(FIX, name), 'utf8');
const DB_HELP = 'train_dreambooth_lora_sdxl-v0.27.2.help.txt';
const python3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sdxl-script-help-'));

function target(script: string, over: Partial<HelpTarget> = {}): HelpTarget {
  return { kind: 'dreambooth-lora', python: python3 ?? 'python3', script, cwd: tmpdir(), env: { ...process.env }, ...over };
}

// ---------------------------------------------------------------------------------------------------- the parser

test('parser: the real v0.27.2 DreamBooth LoRA --help gives its 69 options, required ones and choices', () => {
  const help = parseArgparseHelp(fixture(DB_HELP));
  assert.equal(help.prog, 'train_dreambooth_lora_sdxl.py');
  assert.equal(help.options.length, 69, 'one per add_argument( in the script');
  assert.deepEqual(
    help.options.filter((o) => o.required).map((o) => o.dest),
    ['pretrained_model_name_or_path', 'instance_prompt'],
  );
  const byDest = new Map(help.options.map((o) => [o.dest, o]));
  assert.deepEqual(byDest.get('mixed_precision')?.choices, ['no', 'fp16', 'bf16']);
  assert.equal(byDest.get('use_dora')?.takesValue, false);
  assert.equal(byDest.get('rank')?.takesValue, true);
  assert.equal(byDest.get('num_train_epochs')?.help, null, 'declared without help');
  assert.equal(byDest.get('revision')?.help, 'Revision of pretrained model identifier from huggingface.co/models.');
  assert.equal(byDest.has('lora_dropout'), false, 'v0.27.2 has no --lora_dropout');
  assert.ok(SCRIPTS['dreambooth-lora'].byDest.has('lora_dropout'), 'the built-in table (newer) has it');
  assert.equal(byDest.has('help'), false, '-h is not an argument of the config');
});

test('parser: the 80-column, wrapped help reads the same options, required and choices', () => {
  const wide = parseArgparseHelp(fixture(DB_HELP)).options;
  const narrow = parseArgparseHelp(fixture('train_dreambooth_lora_sdxl-v0.27.2.help-80-columns.txt')).options;
  const shape = (o: (typeof wide)[number]): unknown => [o.dest, o.takesValue, o.required, o.choices, o.nargs, o.help === null];
  assert.deepEqual(narrow.map(shape), wide.map(shape));
  // Wrapped help is joined with spaces: only words broken across lines differ.
  const lr = narrow.find((o) => o.dest === 'learning_rate');
  assert.equal(lr?.help, 'Initial learning rate (after the potential warmup period) to use.');
});

test('parser: the real v0.27.2 text-to-image LoRA --help gives its 53 options', () => {
  const help = parseArgparseHelp(fixture('train_text_to_image_lora_sdxl-v0.27.2.help.txt'));
  assert.equal(help.options.length, 53);
  assert.deepEqual(
    help.options.filter((o) => o.required).map((o) => o.dest),
    ['pretrained_model_name_or_path'],
  );
});

test('parser: nargs, short flags and choices in brackets', () => {
  const help = parseArgparseHelp(
    [
      'usage: t.py [-h] -o OUT [--many [MANY ...]] [--some SOME [SOME ...]] [--maybe [MAYBE]] [--two TWO TWO] [--pick {1,2}]',
      '',
      'options:',
      '  -h, --help            show this help message and exit',
      '  -o OUT, --output-dir OUT',
      '                        Where.',
      '  --many [MANY ...]',
      '  --some SOME [SOME ...]',
      '  --maybe [MAYBE]       Perhaps.',
      '  --two TWO TWO',
      '  --pick {1,2}          One of two.',
      '',
    ].join('\n'),
  );
  const o = new Map(help.options.map((x) => [x.dest, x]));
  assert.deepEqual(o.get('output_dir')?.flags, ['-o', '--output-dir']);
  assert.equal(o.get('output_dir')?.name, '--output-dir');
  assert.equal(o.get('output_dir')?.required, true);
  assert.equal(o.get('many')?.nargs, '*');
  assert.equal(o.get('some')?.nargs, '+');
  assert.equal(o.get('maybe')?.nargs, '?');
  assert.equal(o.get('two')?.nargs, 2);
  assert.deepEqual(o.get('pick')?.choices, ['1', '2']);
});

test('parser: a traceback (v0.27.2 train_text_to_image_sdxl.py --help fails on "25%") is not a help', () => {
  const stderr = fixture('train_text_to_image_sdxl-v0.27.2.help-stderr.txt');
  assert.match(stderr, /TypeError: %o format/);
  assert.throws(
    () => parseArgparseHelp(stderr),
    (e: unknown) => e instanceof HelpParseError && /no "usage:" line/.test(e.message),
  );
  assert.throws(() => parseArgparseHelp('usage: x.py [-h]\n\noptions:\n  -h, --help  show\n'), /lists no options/);
});

test('tableFromHelp: types and defaults from the built-in table where the help agrees; untyped otherwise', () => {
  const t = tableFromHelp('dreambooth-lora', '/s.py', 'h', parseArgparseHelp(fixture(DB_HELP)));
  const by = new Map(t.args.map((a) => [a.dest, a]));
  assert.equal(by.get('rank')?.type, 'int');
  assert.equal(by.get('rank')?.default, 4);
  assert.equal(by.get('use_dora')?.type, 'bool-flag');
  assert.equal(by.get('rank')?.untyped, undefined);
  const other = tableFromHelp('dreambooth-lora', '/s.py', 'h', parseArgparseHelp('usage: x [-h] [--brand_new X]\n\noptions:\n  --brand_new X  New.\n'));
  assert.equal(other.args[0]?.untyped, true);
  assert.equal(other.args[0]?.default, null);
});

// ---------------------------------------------------------------------------------------------------- running --help

test('runHelp: a script whose imports fail gives the last line of its traceback', { skip: !python3 && 'python3 not available' }, async () => {
  const out = await runHelp({ python: python3!, script: join(FIX, 'help-raises.py'), cwd: FIX, env: { ...process.env }, timeoutMs: 30_000, maxBytes: 1 << 20 });
  assert.equal(out.ok, false);
  assert.match(!out.ok ? out.reason : '', /exited with code 1: ModuleNotFoundError: No module named 'datasets'/);
});

test('runHelp: a script that never finishes is killed at the timeout', { skip: !python3 && 'python3 not available' }, async () => {
  const t0 = Date.now();
  const out = await runHelp({ python: python3!, script: join(FIX, 'help-hangs.py'), cwd: FIX, env: { ...process.env }, timeoutMs: 700, maxBytes: 1 << 20 });
  assert.equal(out.ok, false);
  assert.match(!out.ok ? out.reason : '', /did not finish within 1 s/);
  assert.ok(Date.now() - t0 < 10_000);
});

test('runHelp: a missing interpreter is said in words', async () => {
  const out = await runHelp({
    python: join(tmp(), 'no-python'),
    script: join(FIX, 'help-small.py'),
    cwd: FIX,
    env: { ...process.env },
    timeoutMs: 5000,
    maxBytes: 1 << 20,
  });
  assert.match(!out.ok ? out.reason : '', /no Python interpreter at/);
});

test('cache: a failing --help falls back to the built-in table and says why', { skip: !python3 && 'python3 not available' }, async () => {
  const cache = new ScriptTableCache({ timeoutMs: 30_000 });
  const choice = await cache.get(target(join(FIX, 'help-raises.py')));
  assert.equal(choice.source, 'builtin');
  assert.match(
    describeTableChoice(choice),
    /^arguments from the built-in table of diffusers 0\.40\.0\.dev0 \(commit 58eb52c\): the script's --help failed \(.*No module named 'datasets'\)$/,
  );
  // The status item's few words: cut at a word, within 60 characters.
  const short = shortTableChoice(choice);
  assert.ok(short.length <= 60 && short.endsWith('…'), short);
  assert.match(short, /^the script's --help failed/);
});

test('cache: a hanging --help falls back to the built-in table', { skip: !python3 && 'python3 not available' }, async () => {
  const choice = await new ScriptTableCache({ timeoutMs: 500 }).get(target(join(FIX, 'help-hangs.py')));
  assert.equal(choice.source, 'builtin');
  assert.match(choice.source === 'builtin' ? choice.reason : '', /did not finish within/);
});

test('cache: a missing script file is the built-in table, with no process started', async () => {
  const cache = new ScriptTableCache({ run: () => assert.fail('no --help for a missing file') });
  const choice = await cache.get(target(join(tmp(), 'train_dreambooth_lora_sdxl.py')));
  assert.match(choice.source === 'builtin' ? choice.reason : '', /^no script file at .*train_dreambooth_lora_sdxl\.py$/);
});

function countingRunner(stdout: () => string): { run: HelpRunner; calls: () => number } {
  let calls = 0;
  return { run: async () => (calls++, { ok: true, stdout: stdout() }), calls: () => calls };
}

test('cache: the second ask does not spawn; a changed file runs --help again; a new cache reads the cache file', async () => {
  const dir = tmp();
  const script = join(dir, 'train.py');
  writeFileSync(script, '# v1\n');
  const cacheDir = join(dir, 'cache');
  const r = countingRunner(() => fixture(DB_HELP));
  const cache = new ScriptTableCache({ run: r.run, cacheDir });
  assert.equal(await cache.peek(target(script)), undefined, 'peek never runs --help');
  const [a, b] = await Promise.all([cache.get(target(script)), cache.get(target(script))]);
  assert.equal(r.calls(), 1, 'two asks at once share one run');
  assert.equal(a.source, 'script');
  assert.deepEqual(b, a);
  await cache.get(target(script));
  assert.equal(r.calls(), 1, 'memory');
  assert.equal((await cache.peek(target(script)))?.source, 'script');
  writeFileSync(script, '# v2\n');
  await cache.get(target(script));
  assert.equal(r.calls(), 2, 'new content, new --help');

  const again = countingRunner(() => fixture(DB_HELP));
  const fresh = new ScriptTableCache({ run: again.run, cacheDir });
  const fromFile = await fresh.get(target(script));
  assert.equal(again.calls(), 0, 'read from the cache file');
  assert.equal(fromFile.source === 'script' ? fromFile.table.args.length : 0, 69);
  // The same content elsewhere: the table names the path asked about.
  const copy = join(dir, 'copy.py');
  copyFileSync(script, copy);
  const atCopy = await fresh.get(target(copy));
  assert.equal(atCopy.source === 'script' ? atCopy.table.scriptPath : '', copy);
  assert.equal(again.calls(), 0);
});

test('cache: failures are not written to the cache file (the next session tries again); a corrupt cache file is ignored', async () => {
  const dir = tmp();
  const script = join(dir, 'train.py');
  writeFileSync(script, 'x\n');
  const cacheDir = join(dir, 'cache');
  let calls = 0;
  const failing: HelpRunner = async () => (calls++, { ok: false, reason: 'exited with code 1' });
  const first = new ScriptTableCache({ run: failing, cacheDir });
  assert.equal((await first.get(target(script))).source, 'builtin');
  await first.get(target(script));
  assert.equal(calls, 1, 'a failure is remembered in memory');
  assert.equal((await new ScriptTableCache({ run: failing, cacheDir }).get(target(script))).source, 'builtin');
  assert.equal(calls, 2, 'but not across sessions');

  const r = countingRunner(() => fixture(DB_HELP));
  const c = new ScriptTableCache({ run: r.run, cacheDir });
  const got = await c.get(target(script));
  assert.equal(got.source, 'script');
  const hash = got.source === 'script' ? got.table.hash : '';
  writeFileSync(join(cacheDir, `dreambooth-lora-${hash}.json`), '{"format":1,"kind":"dreambooth-lora","hash":"' + hash + '","args":[{"name":1}]}');
  const r2 = countingRunner(() => fixture(DB_HELP));
  assert.equal((await new ScriptTableCache({ run: r2.run, cacheDir }).get(target(script))).source, 'script');
  assert.equal(r2.calls(), 1, 'the corrupt file was not trusted');
});

test('cache: output that is not an argparse help falls back with the reason', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 't.py'), 'x');
  const c = new ScriptTableCache({ run: async () => ({ ok: true, stdout: 'hello\n' }) });
  const got = await c.get(target(join(dir, 't.py')));
  assert.match(got.source === 'builtin' ? got.reason : '', /--help output could not be read: no "usage:" line/);
});

// ---------------------------------------------------------------------------------------------------- the target

test('helpTargetOf: launch.python; else the python beside accelerate; else its #! line; script and cwd from the plan', () => {
  const dir = tmp();
  const cfg = (launch: SdxlConfig['launch']): SdxlConfig => ({ script: 'dreambooth-lora', args: {}, ...(launch ? { launch } : {}) });
  const configPath = join(dir, 'a.sdxl.json');
  const t1 = helpTargetOf(cfg({ python: 'venv/bin/python', scriptPath: 'scripts/train.py' }), configPath);
  assert.ok(!('error' in t1));
  assert.equal(t1.python, join(dir, 'venv/bin/python'));
  assert.equal(t1.script, join(dir, 'scripts/train.py'));
  assert.equal(t1.cwd, dir);

  mkdirSync(join(dir, 'env/bin'), { recursive: true });
  writeFileSync(join(dir, 'env/bin/accelerate'), '#!/opt/py/bin/python3.11\n');
  chmodSync(join(dir, 'env/bin/accelerate'), 0o755);
  const t2 = helpTargetOf(cfg({ accelerate: join(dir, 'env/bin/accelerate') }), configPath);
  assert.equal(!('error' in t2) && t2.python, '/opt/py/bin/python3.11', 'the #! line');
  writeFileSync(join(dir, 'env/bin/python'), '');
  const t3 = helpTargetOf(cfg({ accelerate: join(dir, 'env/bin/accelerate') }), configPath);
  assert.equal(!('error' in t3) && t3.python, join(dir, 'env/bin/python'), 'the venv python beside it');
  const t4 = helpTargetOf(cfg(undefined), configPath, { env: { PATH: join(dir, 'env/bin') } });
  assert.equal(!('error' in t4) && t4.python, join(dir, 'env/bin/python'), 'accelerate found on PATH');
  assert.equal(!('error' in t4) && t4.script, join(dir, 'train_dreambooth_lora_sdxl.py'));
  const t5 = helpTargetOf(cfg(undefined), configPath, { env: { PATH: '' } });
  assert.equal(!('error' in t5) && t5.python, 'python3');
  const bad = helpTargetOf(cfg({ python: 'a\u0000b' }), configPath);
  assert.match('error' in bad ? bad.error : '', /launch\.python contains a NUL/);
  assert.equal(shebangInterpreter('#!/usr/bin/env python3'), 'python3');
  assert.equal(shebangInterpreter('import x'), undefined);
});

// ---------------------------------------------------------------------------------------------------- diagnostics

const DB_CONFIG = JSON.stringify(
  {
    script: 'dreambooth-lora',
    args: {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      instance_data_dir: 'inst',
      instance_prompt: 'a sks dog',
      output_dir: 'out',
      mixed_precision: 'bf16',
      lora_dropout: 0.1,
      rank: 8,
    },
  },
  null,
  2,
);

function scriptChoice(help = fixture(DB_HELP), path = '/home/u/diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py'): ArgTableChoice {
  return { source: 'script', table: tableFromHelp('dreambooth-lora', path, 'h', parseArgparseHelp(help)) };
}

test("diagnostics: lora_dropout passes the built-in table, and is an error against the v0.27.2 script's own --help", () => {
  const builtin = validateConfig(DB_CONFIG);
  assert.equal(builtin.filter((d) => d.path === '/args/lora_dropout').length, 0);
  const own = validateConfig(DB_CONFIG, { argTable: scriptChoice() });
  const d = own.filter((x) => x.path === '/args/lora_dropout');
  assert.equal(d.length, 1);
  assert.equal(d[0]!.severity, 'error');
  assert.equal(d[0]!.code, 'not-in-script');
  assert.equal(
    d[0]!.message,
    'The script at /home/u/diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py (its own --help) has no --lora_dropout; ' +
      'the built-in table of diffusers 0.40.0.dev0 (commit 58eb52c) has it: your script may be older (argparse would stop with "unrecognized arguments: --lora_dropout").',
  );
  assert.deepEqual(d[0]!.fix?.edits, [{ op: 'remove', path: '/args/lora_dropout' }]);
  // Nothing else changes for this config.
  assert.deepEqual(
    own.filter((x) => x.path !== '/args/lora_dropout'),
    builtin,
  );
  // A built-in choice (with its reason) checks as before.
  assert.deepEqual(validateConfig(DB_CONFIG, { argTable: { source: 'builtin', kind: 'dreambooth-lora', reason: 'r' } }), builtin);
});

test("diagnostics: the script's table decides required arguments, untyped values and script-only arguments", () => {
  const small = `usage: t.py [-h] --pretrained_model_name_or_path P --output_dir O [--my_new_option {a,b}] [--rank RANK]

options:
  -h, --help            show this help message and exit
  --pretrained_model_name_or_path P
  --output_dir O
  --my_new_option {a,b}
  --rank RANK
`;
  const cfg = (args: Record<string, unknown>): string => JSON.stringify({ script: 'dreambooth-lora', args: { pretrained_model_name_or_path: 'm', ...args } });
  const choice = scriptChoice(small, '/s/t.py');
  const noOut = validateConfig(cfg({ instance_prompt: 'p' }), { argTable: choice });
  assert.ok(noOut.some((d) => d.code === 'required' && d.path === '/args/output_dir' && /required by the script at \/s\/t\.py/.test(d.message)));
  assert.ok(!noOut.some((d) => d.code === 'required' && d.path === '/args/instance_prompt'), 'this script does not require it');
  const vals = validateConfig(cfg({ output_dir: 'o', my_new_option: 'c', rank: 'x' }), { argTable: choice });
  assert.ok(vals.some((d) => d.code === 'choice' && d.path === '/args/my_new_option'));
  assert.ok(vals.some((d) => d.code === 'script-only-arg' && d.path === '/args/my_new_option' && /not passed to the script yet/.test(d.message)));
  assert.ok(
    vals.some((d) => d.code === 'type' && d.path === '/args/rank'),
    'rank keeps the built-in int type',
  );
  const ok = validateConfig(cfg({ output_dir: 'o', my_new_option: 'a' }), { argTable: choice });
  assert.ok(!ok.some((d) => d.path === '/args/my_new_option' && d.severity === 'error'));
  assert.ok(!ok.some((d) => d.code === 'unknown-key'));
});

// ---------------------------------------------------------------------------------------------------- the real scripts

/** The real-worker kit's v0.27.2 scripts and its venv's python, when installed (`.cache/real-worker`). */
function realWorker(): { python: string; examples: string } | undefined {
  const dest = join(repoRoot(), '.cache/real-worker');
  const python = join(dest, 'venv/bin/python');
  if (!existsSync(python)) return undefined;
  const kits = [
    process.env.SDXL_REAL_WORKER_KIT,
    /REAL_WORKER_KIT="([^"]+)"/.exec(existsSync(join(dest, 'env.sh')) ? readFileSync(join(dest, 'env.sh'), 'utf8') : '')?.[1],
    dest,
    join(repoRoot(), '../shared/real-worker'),
  ];
  for (const kit of kits) {
    if (kit && existsSync(join(kit, 'diffusers-examples/examples/dreambooth/train_dreambooth_lora_sdxl.py')))
      return { python, examples: join(kit, 'diffusers-examples/examples') };
  }
  return undefined;
}
const real = realWorker();

test(
  "real worker: the three v0.27.2 scripts' own --help",
  { skip: !real && 'the real worker is not installed (.cache/real-worker: scripts/install-real-worker.sh)', timeout: 240_000 },
  async () => {
    const cache = new ScriptTableCache({ timeoutMs: 180_000 });
    const env = { ...process.env, HF_HUB_OFFLINE: undefined };
    const t = (kind: HelpTarget['kind'], rel: string): HelpTarget => ({ kind, python: real!.python, script: join(real!.examples, rel), cwd: tmpdir(), env });
    const [db, lora, full] = await Promise.all([
      cache.get(t('dreambooth-lora', 'dreambooth/train_dreambooth_lora_sdxl.py')),
      cache.get(t('lora', 'text_to_image/train_text_to_image_lora_sdxl.py')),
      cache.get(t('full', 'text_to_image/train_text_to_image_sdxl.py')),
    ]);
    assert.equal(db.source, 'script', describeTableChoice(db));
    const dbArgs = db.source === 'script' ? db.table.args : [];
    assert.deepEqual(
      dbArgs.map((a) => a.dest),
      parseArgparseHelp(fixture(DB_HELP)).options.map((o) => o.dest),
      'the fixture is what the script prints',
    );
    assert.ok(!dbArgs.some((a) => a.dest === 'lora_dropout'));
    // The kit has no `datasets` (no pyarrow on Debian 12); with it the table is read like the fixture's.
    if (lora.source === 'script') assert.equal(lora.table.args.length, 53);
    else assert.match(lora.reason, /No module named 'datasets'/);
    // v0.27.2's full fine-tune help has "25% of" in a help text: argparse itself fails whatever is installed.
    assert.equal(full.source, 'builtin');
    assert.match(full.source === 'builtin' ? full.reason : '', /--help failed \(.*(%o format|No module named 'datasets')/);
    // And the config with lora_dropout, checked against the real script's table.
    const d = validateConfig(DB_CONFIG, { argTable: db }).filter((x) => x.code === 'not-in-script');
    assert.deepEqual(
      d.map((x) => x.path),
      ['/args/lora_dropout'],
    );
  },
);

test(
  "the stand-in trainer's own --help reads back as the built-in table (demo and e2e configs get no table difference)",
  { skip: !python3 && 'python3 not available', timeout: 120_000 },
  async () => {
    const dir = tmp();
    const cache = new ScriptTableCache({ timeoutMs: 90_000 });
    for (const kind of ['full', 'lora', 'dreambooth-lora'] as const) {
      const script = join(dir, SCRIPTS[kind].fileName);
      symlinkSync(join(repoRoot(), 'test/fixtures/trainer/standin_trainer.py'), script);
      const got = await cache.get(target(script, { kind, cwd: dir }));
      assert.equal(got.source, 'script', describeTableChoice(got));
      const args = got.source === 'script' ? got.table.args : [];
      const shape = (a: { dest: string; type: string; required: boolean; choices: readonly (string | number)[] | null }): unknown => [
        a.dest,
        a.type,
        a.required,
        a.choices,
      ];
      assert.deepEqual(args.map(shape), SCRIPTS[kind].args.map(shape), kind);
    }
  },
);

test("shortTableChoice: the script's file name, or the reason cut at a word", () => {
  const script: ArgTableChoice = {
    source: 'script',
    table: { scriptPath: '/very/long/path/to/diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py' },
  } as ArgTableChoice;
  assert.equal(shortTableChoice(script), 'from train_dreambooth_lora_sdxl.py');
  const builtin = { source: 'builtin', kind: 'lora', reason: 'reading the help is off (sdxl.scriptArguments.readHelp)' } as ArgTableChoice;
  assert.equal(shortTableChoice(builtin), 'reading the help is off (sdxl.scriptArguments.readHelp)');
});
