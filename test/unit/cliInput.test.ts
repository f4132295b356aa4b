// What the CLI reads (issue 8, items 10 and 13): `command` reads configs as validate does (regular files only, size
// cap, BOM dropped), `import --stdin` stops at 1 MiB, `estimate` fails on syntax errors and values it cannot estimate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli';
import { InputTooLargeError, readCapped, type CliIo } from '../../src/cli/io';
import { repoRoot } from './repoRoot';

const unixOnly = { skip: process.platform === 'win32' ? 'FIFOs and /dev/zero are Unix-only' : false };
const CONFIG = { script: 'lora', args: { pretrained_model_name_or_path: 'm', train_data_dir: 'd' } };

async function run(cwd: string, argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => stdin, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

const CLI = [join(repoRoot(), 'src', 'cli.ts')];

/** The CLI as its own process (a FIFO or /dev/zero would block or fill this one), with a time limit. */
function runProcess(argv: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', ...CLI, ...argv], { cwd: repoRoot(), encoding: 'utf8', timeout: 30_000 });
}

/** The CLI as its own process reading `input` from a pipe; it may stop reading early (the writer then gets EPIPE). */
async function pipeInto(argv: string[], input: Buffer | string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...CLI, ...argv], { cwd: repoRoot(), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, out, err };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-cli-input-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('command reads a config with a UTF-8 BOM, as validate does', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bom.sdxl.json'), '\uFEFF' + JSON.stringify(CONFIG));
  // validate checks that train_data_dir is there and holds something.
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', '01.png'), '');
  const r = await run(dir, ['command', 'bom.sdxl.json', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal((JSON.parse(r.out) as { argv: string[] }).argv[1], 'launch');
  assert.equal((await run(dir, ['validate', 'bom.sdxl.json'])).code, 0);
});

test('command refuses a FIFO and /dev/zero at once instead of blocking or filling memory', unixOnly, (t) => {
  const dir = tempDir(t);
  execFileSync('mkfifo', [join(dir, 'fifo.sdxl.json')]);
  for (const file of [join(dir, 'fifo.sdxl.json'), '/dev/zero']) {
    const r = runProcess(['command', file]);
    assert.equal(r.error, undefined, `${file}: ${String(r.error)}`); // no timeout
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /error: .* is not a regular file\./);
  }
});

test('command: a value buildLaunchPlan refuses is an error naming the key, not "Cannot convert object to primitive value"', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'obj.sdxl.json'), '{"script": "lora", "args": {"pretrained_model_name_or_path": "m", "rank": {"a": 1}}}');
  const r = await run(dir, ['command', 'obj.sdxl.json']);
  assert.equal(r.code, 1);
  assert.match(r.err, /obj\.sdxl\.json: error: args\.rank is an object: --rank takes one value/);
});

test('readCapped: the whole input below the cap (BOM dropped), a clear error as soon as it is over', async () => {
  assert.equal(await readCapped(Readable.from([Buffer.from('\uFEFFab'), Buffer.from('c')]), 10), 'abc');
  let produced = 0;
  const endless = new Readable({
    read() {
      produced += 65536;
      this.push(Buffer.alloc(65536, 0x61));
    },
  });
  await assert.rejects(readCapped(endless, 1024 * 1024), (e: Error) => e instanceof InputTooLargeError && /standard input is over 1 MiB/.test(e.message));
  assert.ok(produced < 4 * 1024 * 1024, `stopped reading (${produced} bytes produced)`);
  endless.destroy();
});

test('import --stdin refuses more than 1 MiB with a clear error', async () => {
  const big = await pipeInto(['import', '--stdin'], Buffer.alloc(32 * 1024 * 1024, 0x61));
  assert.equal(big.code, 1, big.err);
  assert.match(big.err, /^sdxl-trainer import: standard input is over 1 MiB, the most this command reads\n$/);
  const ok = await pipeInto(['import', '--stdin'], '\uFEFFaccelerate launch train_text_to_image_lora_sdxl.py --pretrained_model_name_or_path m --rank 8\n');
  assert.equal(ok.code, 0, ok.err);
  assert.deepEqual((JSON.parse(ok.out) as { args: unknown }).args, { pretrained_model_name_or_path: 'm', rank: 8 });
  // In-process readers are held to the cap too.
  const r = await run(tmpdir(), ['import', '--stdin'], 'x'.repeat(1024 * 1024 + 1));
  assert.equal(r.code, 1);
  assert.match(r.err, /standard input is over 1 MiB/);
});

test('estimate exits 1 on a JSON syntax error and on values it cannot estimate, naming them', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'syntax.sdxl.json'), '{"script": "lora", "args": {"pretrained_model_name_or_path": "m",, "rank": 4}}');
  const syntax = await run(dir, ['estimate', 'syntax.sdxl.json', '--json']);
  assert.equal(syntax.code, 1);
  assert.equal(syntax.out, '');
  assert.match(syntax.err, /syntax\.sdxl\.json:1:\d+: error: Invalid JSON/);

  const huge = { ...CONFIG, args: { ...CONFIG.args, resolution: 1e300 } };
  writeFileSync(join(dir, 'huge.sdxl.json'), JSON.stringify(huge));
  const h = await run(dir, ['estimate', 'huge.sdxl.json', '--json']);
  assert.equal(h.code, 1);
  assert.equal(h.out, '', 'no "totalGiB": null');
  assert.match(h.err, /huge\.sdxl\.json: error: no memory estimate: args\.resolution is 1e\+300, too large to estimate/);
  assert.doesNotMatch(h.err, /train_batch_size|rank/, 'only the culprit is named');

  writeFileSync(join(dir, 'inf.sdxl.json'), '{"script": "lora", "args": {"pretrained_model_name_or_path": "m", "train_batch_size": 1e400}}');
  const inf = await run(dir, ['estimate', 'inf.sdxl.json']);
  assert.equal(inf.code, 1);
  assert.match(inf.err, /args\.train_batch_size is Infinity as JSON reads it/);

  writeFileSync(join(dir, 'ok.sdxl.json'), JSON.stringify(CONFIG));
  assert.equal((await run(dir, ['estimate', 'ok.sdxl.json'])).code, 0);
});
