// `validate FILE --hub` against the loopback fake Hub ($HF_ENDPOINT): the same Hub diagnostics as the editor, the token
// from $HF_TOKEN or the CLI's token file, a Hub not reached said on stderr and never an error; without --hub, no request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { sdxlRepoFiles, startFakeHub } from '../hub/fakeHub';

const BASE = 'stabilityai/stable-diffusion-xl-base-1.0';
const dir = mkdtempSync(join(tmpdir(), 'sdxl-validate-hub-'));
mkdirSync(join(dir, 'data'));
writeFileSync(join(dir, 'data', '01.png'), '');
// An empty HF_HOME: the user's own token file is never read by a test.
const hfHome = join(dir, 'hf-home');
mkdirSync(hfHome);

async function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: dir, env: { HF_HOME: hfHome, ...env } };
  const code = await main(argv, io);
  return { code, out, err };
}

function config(name: string, model: string): string {
  writeFileSync(
    join(dir, name),
    JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: model, train_data_dir: 'data', mixed_precision: 'bf16' } }, null, 2),
  );
  return name;
}

test('validate --hub: a wrong id is hub-not-found with a token, hub-unauthorized (a warning) without; a good id is clean', async (t) => {
  const hub = await startFakeHub({
    repos: [
      { id: BASE, files: sdxlRepoFiles() },
      { id: 'gated-org/sdxl-gated', files: sdxlRepoFiles(), gated: 'manual' },
    ],
    tokens: { hf_testtoken0000000000000000: 'alice' },
  });
  t.after(() => hub.close());
  const env = { HF_ENDPOINT: hub.url, HF_TOKEN: 'hf_testtoken0000000000000000' };
  const wrong = config('wrong.sdxl.json', 'stabilityai/stable-diffusion-xl-bse-1.0');
  const r = await run(env, 'validate', wrong, '--hub', '--builtin-table');
  assert.equal(r.code, 1);
  assert.match(
    r.out,
    /wrong\.sdxl\.json:4:\d+: error: Model "stabilityai\/stable-diffusion-xl-bse-1\.0" does not exist on the Hub \(http:\/\/127\.0\.0\.1:\d+\).*\[hub-not-found\]/,
  );
  assert.ok(hub.requests.some((q) => q.path.startsWith('/api/models/stabilityai/stable-diffusion-xl-bse-1.0') && q.token === env.HF_TOKEN));

  const noToken = await run({ HF_ENDPOINT: hub.url }, 'validate', wrong, '--hub', '--builtin-table', '--json');
  assert.equal(noToken.code, 0, 'without a token "not found" cannot be told from "private": a warning');
  const parsed = JSON.parse(noToken.out) as { diagnostics: Array<{ code: string; severity: string }>; hub: { reached: boolean; endpoint: string } };
  assert.deepEqual(
    parsed.diagnostics.filter((d) => d.code.startsWith('hub-')).map((d) => `${d.severity} ${d.code}`),
    ['warning hub-unauthorized'],
  );
  assert.deepEqual(parsed.hub, { endpoint: hub.url, reached: true });

  // The token file the Hugging Face CLI writes is used when HF_TOKEN is not set.
  writeFileSync(join(hfHome, 'token'), 'hf_testtoken0000000000000000\n');
  t.after(() => writeFileSync(join(hfHome, 'token'), ''));
  const fromFile = await run({ HF_ENDPOINT: hub.url }, 'validate', wrong, '--hub', '--builtin-table');
  assert.match(fromFile.out, /\[hub-not-found\]/);
  assert.doesNotMatch(fromFile.out + fromFile.err, /hf_testtoken/);

  const gated = await run({ HF_ENDPOINT: hub.url }, 'validate', config('gated.sdxl.json', 'gated-org/sdxl-gated'), '--hub', '--builtin-table');
  assert.match(gated.out, /error: Model "gated-org\/sdxl-gated" is gated .*request access on http:\/\/127\.0\.0\.1:\d+\/gated-org\/sdxl-gated.*\[hub-gated\]/);

  const good = await run(env, 'validate', config('good.sdxl.json', BASE), '--hub', '--builtin-table');
  assert.deepEqual({ code: good.code, out: good.out }, { code: 0, out: '' });

  // Without --hub, validate stays offline.
  const before = hub.requests.length;
  assert.equal((await run(env, 'validate', wrong, '--builtin-table')).code, 0);
  assert.equal(hub.requests.length, before);
});

test('validate --hub: a Hub that is not reached is said on stderr, with no Hub diagnostic and exit 0', async () => {
  const hub = await startFakeHub({ repos: [] });
  const url = hub.url;
  await hub.close(); // a closed port: offline
  const r = await run({ HF_ENDPOINT: url, HF_TOKEN: 'hf_x' }, 'validate', config('offline.sdxl.json', 'nobody/nothing'), '--hub', '--builtin-table');
  assert.equal(r.code, 0);
  assert.equal(r.out, '');
  assert.match(
    r.err,
    new RegExp(`the Hub \\(${url.replace(/[.]/g, '\\.')}\\) was not reached: the connection was refused .*; model and dataset ids not checked`),
  );
  const json = JSON.parse((await run({ HF_ENDPOINT: url }, 'validate', 'offline.sdxl.json', '--hub', '--builtin-table', '--json')).out) as { hub: unknown };
  assert.deepEqual(json.hub, { endpoint: url, reached: false, reason: 'the connection was refused (offline, or a wrong HF_ENDPOINT?)' });
});
