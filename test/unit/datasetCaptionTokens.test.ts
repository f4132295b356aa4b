// Captions measured with the configured base model's own tokenizers (tokenizer/ and tokenizer_2/, the larger count),
// found in a local model folder or in the Hugging Face cache's snapshot of a Hub id; and `dataset-check` using them,
// and `--clip` scoring each image against its caption with a CLIP model folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { loadClipTokenizer } from '../../src/core/clip/tokenizer';
import { parseConfigText } from '../../src/core/config/config';
import { captionTokenizerOfConfig, captionTokenizerOfModel } from '../../src/core/dataset/captionTokens';
import { repoCachePaths } from '../../src/core/hub/cachePaths';
import { writeTinyClip } from '../clip/tinyClip';
import { writeTinyTokenizer } from '../clip/tinyTokenizer';

let dir: string;
let model: string;
const long = Array.from({ length: 40 }, (_, i) => `the cat ${i}`).join(' ');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'caption-tokens-'));
  model = join(dir, 'model');
  writeTinyTokenizer(join(model, 'tokenizer'));
  // tokenizer_2 without merges: every letter its own token, so its counts are the larger ones.
  writeTinyTokenizer(join(model, 'tokenizer_2'), '!');
  writeFileSync(join(model, 'tokenizer_2', 'merges.txt'), '#version: 0.2\n');
  writeFileSync(join(model, 'model_index.json'), '{}');
  const data = join(dir, 'data');
  mkdirSync(data);
  for (const [i, colour] of ['#f00', '#0f0', '#00f'].entries()) {
    await sharp({ create: { width: 64, height: 64, channels: 3, background: colour } })
      .png()
      .toFile(join(data, `${i}.png`));
  }
  const lines = [
    { file_name: '0.png', text: 'a red square' },
    { file_name: '1.png', text: long },
    { file_name: '2.png', text: 'a blue square' },
  ];
  writeFileSync(join(data, 'metadata.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function config(modelValue: string): string {
  return JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: modelValue, train_data_dir: 'data', resolution: 64 } });
}

async function run(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: dir, env };
  return { code: await main(argv, io), out, err };
}

test('the counter takes the larger count of the two tokenizers', async () => {
  const got = await captionTokenizerOfModel(model);
  assert.ok('count' in got);
  assert.deepEqual(got.dirs, [join(model, 'tokenizer'), join(model, 'tokenizer_2')]);
  const one = await loadClipTokenizer(join(model, 'tokenizer'));
  const two = await loadClipTokenizer(join(model, 'tokenizer_2'));
  const text = 'the cat photo of the dog';
  assert.ok(two.countTokens(text) > one.countTokens(text));
  assert.equal(got.count(text), two.countTokens(text));
});

test('a model folder without tokenizers, a missing folder and an uncached Hub id say why', async () => {
  const empty = join(dir, 'empty-model');
  mkdirSync(empty, { recursive: true });
  const none = await captionTokenizerOfModel(empty);
  assert.ok('reason' in none && /no tokenizer\/ or tokenizer_2\//.test(none.reason));
  const cfg = (v: string) => parseConfigText(config(v)).config!;
  const missing = await captionTokenizerOfConfig(cfg('./nowhere'), join(dir, 'x.sdxl.json'), {});
  assert.ok('reason' in missing && /does not exist/.test(missing.reason));
  const hub = await captionTokenizerOfConfig(cfg('org/uncached'), join(dir, 'x.sdxl.json'), { HF_HUB_CACHE: join(dir, 'cache') });
  assert.ok('reason' in hub && /not in the Hugging Face cache/.test(hub.reason));
});

test("a Hub id is read from the cache's snapshot at refs/main", async () => {
  const cache = join(dir, 'hub-cache');
  const paths = repoCachePaths(cache, 'org/cached');
  const commit = 'a'.repeat(40);
  writeTinyTokenizer(join(paths.snapshotDir(commit), 'tokenizer'));
  mkdirSync(join(paths.ref('main'), '..'), { recursive: true });
  writeFileSync(paths.ref('main'), commit);
  const got = await captionTokenizerOfConfig(parseConfigText(config('org/cached')).config!, join(dir, 'x.sdxl.json'), { HF_HUB_CACHE: cache });
  assert.ok('count' in got);
  assert.deepEqual(got.dirs, [join(paths.snapshotDir(commit), 'tokenizer')]);
});

test('dataset-check --config measures captions with the config model; without a model it says it did not', async () => {
  writeFileSync(join(dir, 'local.sdxl.json'), config('./model'));
  const withModel = await run({}, 'dataset-check', '--config', 'local.sdxl.json', '--json');
  const report = JSON.parse(withModel.out) as { findings: Array<{ code: string; file: string; line?: number }>; captionTokens: unknown };
  const tooLong = report.findings.filter((f) => f.code === 'caption-too-long');
  assert.equal(tooLong.length, 1, withModel.out);
  assert.equal(tooLong[0]!.line, 2);
  assert.deepEqual(report.captionTokens, { tokenizers: [join(model, 'tokenizer'), join(model, 'tokenizer_2')] });

  const bare = await run({}, 'dataset-check', 'data', '--json');
  const bareReport = JSON.parse(bare.out) as { findings: Array<{ code: string }>; captionTokens: { skipped?: string } };
  assert.equal(bareReport.findings.filter((f) => f.code === 'caption-too-long').length, 0);
  assert.match(bare.err, /not measured in CLIP tokens: no base model given/);
  assert.match(bareReport.captionTokens.skipped ?? '', /no base model/);

  const flag = await run({}, 'dataset-check', 'data', '--model', 'model', '--json');
  assert.equal((JSON.parse(flag.out) as { findings: Array<{ code: string }> }).findings.filter((f) => f.code === 'caption-too-long').length, 1);
});

test('dataset-check --clip scores every captioned image with the CLIP model folder', async () => {
  writeTinyClip(join(dir, 'clip'));
  const got = await run({}, 'dataset-check', 'data', '--clip', '--clip-model', 'clip', '--json');
  assert.equal(got.code, 0, got.err);
  const report = JSON.parse(got.out) as { clip?: Array<{ file: string; score: number }> };
  assert.equal(report.clip?.length, 3, got.out);
  for (const s of report.clip!) assert.ok(Number.isFinite(s.score) && s.score >= 0 && s.score <= 100, JSON.stringify(s));
  const bad = await run({}, 'dataset-check', 'data', '--clip', '--clip-model', 'no-such-folder', '--json');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no-such-folder/);
});
