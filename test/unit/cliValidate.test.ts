import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const dir = mkdtempSync(join(tmpdir(), 'sdxl-validate-'));
// The configs' train_data_dir: validate checks that it is there and not empty.
mkdirSync(join(dir, 'data'));
writeFileSync(join(dir, 'data', '01.png'), '');
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: dir };
  const code = await main(argv, io);
  return { code, out, err };
}
function write(name: string, doc: unknown): string {
  writeFileSync(join(dir, name), typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return name;
}

const CLEAN = {
  script: 'lora',
  args: {
    pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
    train_data_dir: 'data',
    mixed_precision: 'bf16',
    max_train_steps: 100,
    checkpointing_steps: 50,
  },
};
const BAD = { script: 'lora', args: { ...CLEAN.args, mixed_precision: 'fp16', learnig_rate: 1e-4, train_batch_size: 'two' } };

test('validate: a clean config prints nothing on stdout and exits 0; stderr says which argument table was used', async () => {
  const f = write('clean.sdxl.json', CLEAN);
  const script = join(dir, 'train_text_to_image_lora_sdxl.py');
  assert.deepEqual(await run('validate', f), {
    code: 0,
    out: '',
    err: `sdxl-trainer validate: arguments from the built-in table of diffusers 0.40.0.dev0 (commit 58eb52c): no script file at ${script}\n`,
  });
  const j = await run('validate', f, '--json');
  assert.equal(j.code, 0);
  assert.deepEqual(JSON.parse(j.out), {
    diagnostics: [],
    argumentTable: {
      source: 'builtin',
      scriptPath: script,
      reason: `no script file at ${script}`,
      description: `arguments from the built-in table of diffusers 0.40.0.dev0 (commit 58eb52c): no script file at ${script}`,
    },
  });
});

const python3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));

test(
  "validate: arguments are checked against the script file's own --help, cached; --builtin-table skips it",
  { skip: !python3 && 'python3 not available' },
  async () => {
    const ws = mkdtempSync(join(tmpdir(), 'sdxl-validate-own-'));
    const cache = mkdtempSync(join(tmpdir(), 'sdxl-validate-cache-'));
    copyFileSync(join(repoRoot(), 'test/fixtures/script-help/help-small.py'), join(ws, 'train.py'));
    writeFileSync(
      join(ws, 'a.sdxl.json'),
      JSON.stringify({
        script: 'dreambooth-lora',
        launch: { python: python3, scriptPath: 'train.py' },
        args: { pretrained_model_name_or_path: 'm', instance_data_dir: 'inst', instance_prompt: 'p', output_dir: 'o', lora_dropout: 0.1 },
      }),
    );
    mkdirSync(join(ws, 'inst'));
    writeFileSync(join(ws, 'inst/a.png'), '');
    const saved = process.env.SDXL_TRAINER_CACHE_DIR;
    process.env.SDXL_TRAINER_CACHE_DIR = cache;
    try {
      let out = '';
      let err = '';
      const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: ws };
      assert.equal(await main(['validate', 'a.sdxl.json'], io), 1);
      assert.match(
        out,
        /a\.sdxl\.json:\d+:\d+: error: The script at .*train\.py \(its own --help\) has no --lora_dropout; the built-in table of diffusers 0\.40\.0\.dev0 \(commit 58eb52c\) has it: your script may be older/,
      );
      assert.equal(err, `sdxl-trainer validate: arguments from the script at ${join(ws, 'train.py')} (its own --help)\n`);
      assert.equal(readdirSync(join(cache, 'script-help')).filter((n) => n.endsWith('.json')).length, 1, 'the table is cached');
      out = '';
      err = '';
      assert.equal(await main(['validate', 'a.sdxl.json', '--builtin-table'], io), 0, out);
      assert.doesNotMatch(out, /lora_dropout/);
      assert.match(err, /built-in table .*: --builtin-table was given/);
    } finally {
      if (saved === undefined) delete process.env.SDXL_TRAINER_CACHE_DIR;
      else process.env.SDXL_TRAINER_CACHE_DIR = saved;
    }
  },
);

test('validate --json: exactly the documented keys; exit 1 on errors', async () => {
  const r = await run('validate', write('bad.sdxl.json', BAD), '--json');
  assert.equal(r.code, 1);
  const { diagnostics } = JSON.parse(r.out) as { diagnostics: Array<Record<string, unknown>> };
  const codes = diagnostics.map((d) => d.code);
  for (const c of ['fp16-stock-vae', 'unknown-key', 'type']) assert.ok(codes.includes(c), c);
  for (const d of diagnostics) {
    const keys = ['severity', 'code', 'message', 'path', 'line', 'column'];
    assert.deepEqual(Object.keys(d), d.fix ? [...keys, 'fix'] : keys);
    assert.equal(typeof d.line, 'number');
  }
  assert.equal(diagnostics.find((d) => d.code === 'unknown-key')?.path, '/args/learnig_rate');
});

test('validate: text lines are FILE:line:col: severity: message [code]', async () => {
  const r = await run('validate', write('bad2.sdxl.json', BAD));
  assert.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.ok(lines.length >= 3);
  for (const l of lines) assert.match(l, /^\/.*bad2\.sdxl\.json:\d+:\d+: (error|warning|info): .+ \[[a-z0-9-]+\]$/);
});

test('validate: warnings only exit 0', async () => {
  const r = await run('validate', write('warn.sdxl.json', { ...CLEAN, args: { ...CLEAN.args, push_to_hub: true, validation_prompt: 'x' } }));
  assert.equal(r.code, 0);
  assert.match(r.out, /warning: .*\[push-to-hub\]/);
});

test('validate: unreadable inputs get one clear error, no stack trace', async () => {
  mkdirSync(join(dir, 'folder.sdxl.json'));
  const big = join(dir, 'big.sdxl.json');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 50 * 1024 * 1024);
  closeSync(fd);
  writeFileSync(join(dir, 'junk.sdxl.json'), Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x13, 0x37, 0x00, 0x22]));
  for (const [name, expect] of [
    ['missing.sdxl.json', /no such file/],
    ['folder.sdxl.json', /is a directory/],
    ['big.sdxl.json', /50\.0 MB/],
    ['junk.sdxl.json', /binary/],
  ] as const) {
    const r = await run('validate', name);
    assert.equal(r.code, 1, name);
    assert.match(r.out, expect);
    assert.doesNotMatch(r.out + r.err, /\n\s+at /, 'no stack trace');
    const j = await run('validate', name, '--json');
    assert.equal((JSON.parse(j.out) as { diagnostics: Array<{ code: string }> }).diagnostics[0]?.code, 'file');
  }
  const syntax = await run('validate', write('syntax.sdxl.json', '{\n  "script": "lora",\n  "args": {\n    "rank": 4 5\n  }\n}'));
  assert.equal(syntax.code, 1);
  assert.match(syntax.out, /syntax\.sdxl\.json:4:\d+: error: Invalid JSON/);
  assert.equal((await run('validate')).code, 2, 'usage error');
});

test('validate --nvidia-smi: warns when the estimate exceeds the GPU', async () => {
  const smi = join(repoRoot(), 'test/fixtures/fake-nvidia-smi-memory/nvidia-smi');
  const full = write('full.sdxl.json', { script: 'full', args: { pretrained_model_name_or_path: 'm', dataset_name: 'd', mixed_precision: 'bf16' } });
  const r = await run('validate', full, '--nvidia-smi', smi);
  assert.match(r.out, /RTX 4090.*\[memory-exceeds-gpu\]/);
  const without = await run('validate', full);
  assert.doesNotMatch(without.out, /memory-exceeds-gpu/);
});

test('estimate: text and JSON', async () => {
  const f = write('est.sdxl.json', CLEAN);
  const t = await run('estimate', f);
  assert.equal(t.code, 0);
  assert.match(t.out, /^Estimated peak GPU memory: \d+\.\d GiB per GPU/);
  assert.match(t.out, /Assumptions:/);
  const j = await run('estimate', f, '--json');
  const e = JSON.parse(j.out) as { totalGiB: number; breakdown: unknown[]; basis: string; assumptions: string[] };
  assert.ok(e.totalGiB > 0 && e.breakdown.length > 0 && e.basis && e.assumptions.length > 0);
  const naive = JSON.parse((await run('estimate', f, '--json', '--attention', 'naive')).out) as { totalGiB: number };
  assert.ok(naive.totalGiB > e.totalGiB);
  assert.equal((await run('estimate', 'missing.sdxl.json')).code, 1);
  const notConfig = await run('estimate', write('nc.json', '[1]'));
  assert.equal(notConfig.code, 1);
  assert.match(notConfig.err, /error/);
  assert.equal((await run('estimate', f, '--attention', 'flash')).code, 2);
});

test('the built CLI runs validate as a separate process', () => {
  const root = repoRoot();
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--only-cli'], { cwd: root, stdio: 'pipe' });
  const f = join(dir, write('spawn.sdxl.json', BAD));
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'validate', f, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.ok((JSON.parse(r.stdout) as { diagnostics: unknown[] }).diagnostics.length > 0);
});

test('validate: a training image folder that is not there is an error on its argument (the real run failed only after loading the models)', async () => {
  const r = await run('validate', write('nodata.sdxl.json', { ...CLEAN, args: { ...CLEAN.args, train_data_dir: 'no-such-data' } }), '--json');
  assert.equal(r.code, 1);
  const { diagnostics } = JSON.parse(r.out) as { diagnostics: Array<Record<string, unknown>> };
  const d = diagnostics.find((x) => x.code === 'data-dir-missing')!;
  assert.equal(d.path, '/args/train_data_dir');
  assert.equal(d.line, 5);
  assert.match(String(d.message), /no-such-data does not exist/);
});
