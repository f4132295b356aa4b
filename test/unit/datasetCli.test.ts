// `sdxl-trainer dataset-check`, in process: JSON and readable output, exit status, --config, Hub datasets through the
// loopback fake Hub; and the real worker's data folders, which must check without errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { checkDataset } from '../../src/core/dataset/checkDataset';
import { startFakeHub } from '../hub/fakeHub';
import { writePng } from './datasetFixtures';
import { repoRoot } from './repoRoot';

async function run(cwd: string, env: NodeJS.ProcessEnv, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd, env };
  const code = await main(argv, io);
  return { code, out, err };
}

interface JsonReport {
  images: number;
  findings: Array<{ code: string; severity: string; file: string; line?: number; message: string }>;
  summary: { errors: number };
}

test('dataset-check PATH --json: the issue shape, exit 1 on errors; readable report with histograms; --config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-cli-dataset-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = join(dir, 'data');
  mkdirSync(data);
  await writePng(join(data, 'a.png'), 512, 512, 1);
  await writePng(join(data, 'b.png'), 768, 512, 2);
  writeFileSync(join(data, 'metadata.jsonl'), '{"file_name": "a.png", "text": "a"}\n{"file_name": "b.png", "text": "b"}\n');

  const clean = await run(dir, {}, 'dataset-check', 'data', '--json', '--resolution', '512');
  assert.equal(clean.code, 0, clean.err);
  const ok = JSON.parse(clean.out) as JsonReport;
  assert.equal(ok.images, 2);
  assert.deepEqual(ok.findings, []);

  writeFileSync(join(data, 'metadata.jsonl'), '{"file_name": "a.png", "text": "a"}\n{broken\n{"file_name": "b.png", "text": "b"}\n');
  const bad = await run(dir, {}, 'dataset-check', 'data', '--json', '--resolution', '512');
  assert.equal(bad.code, 1);
  const report = JSON.parse(bad.out) as JsonReport;
  assert.deepEqual(
    report.findings.map(({ code, severity, file, line }) => ({ code, severity, file, line })),
    [{ code: 'metadata-bad-line', severity: 'error', file: join(data, 'metadata.jsonl'), line: 2 }],
  );

  // Readable: the grouped findings and the histograms as bars. At the default 1024 both images are upscaled.
  const text = await run(dir, {}, 'dataset-check', 'data');
  assert.equal(text.code, 1);
  assert.match(text.out, /data \(imagefolder\): 2 image\(s\) at resolution 1024; 1 error\(s\), 2 warning\(s\)/);
  assert.match(text.out, /error: metadata-bad-line \(1\)\n {4}.*metadata\.jsonl:2: line 2 is not JSON/);
  assert.match(text.out, /warning: too-small \(2\)/);
  assert.match(text.out, /Shorter side \(px\)\n[\s\S]*512–767 +█+ 2/);
  assert.match(text.out, /Aspect \(width:height\)\n[\s\S]*1:1 +█+ 1\n[\s\S]*3:2 +█+ 1/);

  // --config: the config's folder (relative to the config) and resolution; PATH may be left out.
  writeFileSync(join(data, 'metadata.jsonl'), '{"file_name": "a.png", "text": "a"}\n{"file_name": "b.png", "text": "b"}\n');
  mkdirSync(join(dir, 'configs'));
  writeFileSync(join(dir, 'configs', 'x.sdxl.json'), JSON.stringify({ script: 'lora', args: { train_data_dir: '../data', resolution: 512 } }));
  const byConfig = await run(dir, {}, 'dataset-check', '--config', 'configs/x.sdxl.json', '--json');
  assert.equal(byConfig.code, 0, byConfig.err);
  assert.equal((JSON.parse(byConfig.out) as JsonReport).images, 2);
  writeFileSync(join(dir, 'configs', 'y.sdxl.json'), JSON.stringify({ script: 'lora', args: { resolution: 512 } }));
  const noData = await run(dir, {}, 'dataset-check', '--config', 'configs/y.sdxl.json');
  assert.equal(noData.code, 1);
  assert.match(noData.err, /train_data_dir .* not set/);

  const usage = await run(dir, {}, 'dataset-check');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /a folder of images or --config FILE is needed/);
  const missing = await run(dir, {}, 'dataset-check', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope: error: no such folder/);
  const notDir = await run(dir, {}, 'dataset-check', 'configs/x.sdxl.json');
  assert.equal(notDir.code, 1);
  assert.match(notDir.err, /x\.sdxl\.json: error: not a folder: give the folder of images \(or --config FILE/);
});

test('dataset-check --config with a Hub dataset: the listing through HF_ENDPOINT; a Hub not reached is a note, not an error', async (t) => {
  const hub = await startFakeHub({
    repos: [
      { id: 'someone/pictures', type: 'dataset', files: { 'train/a.png': 'x', 'train/b.png': 'y', 'train/metadata.jsonl': '{}' } },
      { id: 'someone/no-captions', type: 'dataset', files: { 'a.png': 'x' } },
      { id: 'someone/readme-only', type: 'dataset', files: { 'README.md': 'x' } },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-cli-dataset-hub-'));
  t.after(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const check = async (id: string, endpoint: string) => {
    writeFileSync(join(dir, 'h.sdxl.json'), JSON.stringify({ script: 'lora', launch: { env: { HF_ENDPOINT: endpoint } }, args: { dataset_name: id } }));
    const r = await run(dir, {}, 'dataset-check', '--config', 'h.sdxl.json', '--json');
    return { code: r.code, findings: (JSON.parse(r.out) as JsonReport).findings.map((f) => `${f.code} ${f.severity}: ${f.message}`) };
  };
  const pictures = await check('someone/pictures', hub.url);
  assert.equal(pictures.code, 0);
  assert.deepEqual(pictures.findings, [
    'hub-dataset info: Hub dataset someone/pictures: 2 image file(s), 0 data file(s), 1 metadata file(s); its images are checked only once downloaded',
  ]);
  const noCaptions = await check('someone/no-captions', hub.url);
  assert.equal(noCaptions.code, 1);
  assert.match(noCaptions.findings.join('\n'), /^missing-metadata error: Hub dataset someone\/no-captions holds 1 image file\(s\) but no metadata\.jsonl/);
  assert.match((await check('someone/readme-only', hub.url)).findings.join('\n'), /^hub-dataset warning: .*lists no image files and no data files/);
  const gone = await check('someone/missing', hub.url);
  assert.equal(gone.code, 0);
  assert.match(gone.findings.join('\n'), /^hub-dataset info: Hub dataset someone\/missing not checked: /);
  const unreachable = await check('someone/pictures', 'http://127.0.0.1:9');
  assert.equal(unreachable.code, 0);
  assert.match(unreachable.findings.join('\n'), /^hub-dataset info: .*not checked: Could not reach the Hub/);
});

const tiny = join(repoRoot(), '.cache', 'real-worker', 'tiny');
test(
  "the real worker's data folders check without errors (the only findings: the wide images' crop loss)",
  { skip: !existsSync(join(tiny, 'data', 'metadata.jsonl')) && 'the real worker is not installed (.cache/real-worker: scripts/install-real-worker.sh)' },
  async () => {
    const data = await checkDataset(
      { kind: 'imagefolder', dir: join(tiny, 'data'), imageColumn: 'image', captionColumn: 'text' },
      { resolution: 64, centerCrop: false, randomFlip: false, tokenCount: (s) => s.split(' ').length },
    );
    assert.equal(data.images.length, 8);
    assert.equal(data.summary.errors, 0);
    assert.ok(data.images.every((i) => i.caption !== null && i.width !== undefined));
    // 05–07 are 136–152 × 80: the crop to 64 × 64 keeps about half of each.
    assert.deepEqual(
      data.findings.map((f) => `${f.code} ${f.file.slice(-6)}`),
      ['crop-loss 05.png', 'crop-loss 06.png', 'crop-loss 07.png'],
    );
    const instance = await checkDataset(
      { kind: 'dreambooth', instanceDir: join(tiny, 'instance'), instancePrompt: 'a photo of sks square' },
      { resolution: 64, centerCrop: false, randomFlip: false },
    );
    assert.equal(instance.images.length, 4);
    assert.deepEqual(instance.findings, []);
  },
);
