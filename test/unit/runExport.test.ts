// A run's metrics as CSV/JSON and its validation images as a folder (core/view/runExport.ts), on the recorded real run
// (test/fixtures/real-v0.27.2: its event files and its console) and on a stand-in run exported by the CLI's
// `run export`, files read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { summarizePath } from '../../src/core/monitor/summarize';
import { exportedImages, exportValidationImages, imageIndexCsv, metricsCsv, metricsJson, metricsTable, runFactsOf } from '../../src/core/view/runExport';
import { initialRunState, type RunState } from '../../src/core/run/state';
import { seriesPut } from '../../src/core/run/series';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { readRecord } from '../../src/core/supervisor/runRecord';
import { repoRoot, waitFor, workspace, wrapperJs } from './supervisorTestKit';
import { writeStandinConfig } from './standinRuns';

const FIX = join(repoRoot, 'test', 'fixtures', 'real-v0.27.2');
const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false, timeout: 120_000 };

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-export-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('real run, event files: one row per step with the wall time the event file logged, the loss and s/it columns', async () => {
  const r = await summarizePath(join(FIX, 'output-pipe'));
  const table = metricsTable(r.state);
  // s/it from the event files' step times; the charts' step → clock map (`step_time`, wall ms) is no metric column.
  assert.deepEqual(table.columns, ['train_loss', 'sec_per_it']);
  assert.deepEqual(
    table.rows.map((row) => row.step),
    [1, 2, 3, 4, 5, 6],
  );
  assert.ok(table.rows.every((row) => row.wallTime !== null && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(row.wallTime)));
  const csv = metricsCsv(table).split('\n');
  assert.equal(csv[0], 'step,wall_time,train_loss,sec_per_it');
  assert.match(csv[1]!, /^1,\d{4}-[^,]+,1\.12250638/);
  assert.equal(csv.length, 8, 'header, 6 rows, the final newline');
});

test('real run, console: step_loss, lr and s/it in one row per step, no wall time (the console has none)', async () => {
  const r = await summarizePath(join(FIX, 'console-pipe.log'));
  const table = metricsTable(r.state);
  assert.deepEqual(table.columns, ['step_loss', 'lr', 'sec_per_it']);
  assert.deepEqual(
    table.rows.map((row) => [row.step, row.values[0]]),
    [
      [1, 1.12],
      [2, 1.12],
      [3, 1.09],
      [4, 1.09],
      [5, 1.16],
      [6, 1.1],
    ],
  );
  const json = JSON.parse(metricsJson(runFactsOf({ id: 'real', name: 'real run' }, r.state, r.summary.state), table)) as {
    run: Record<string, unknown>;
    columns: string[];
    rows: Array<Record<string, unknown>>;
  };
  assert.deepEqual(json.columns, ['step', 'wall_time', 'step_loss', 'lr', 'sec_per_it']);
  // s/it of step 6 from tqdm's elapsed (03:11 → 03:17), not its smoothed 42.48 s/it.
  assert.deepEqual(json.rows[5], { step: 6, wall_time: null, step_loss: 1.1, lr: 0.0001, sec_per_it: 6 });
  assert.equal(json.run.id, 'real');
  assert.equal(json.run.script, 'dreambooth-lora');
  assert.equal(json.run.outcome, r.summary.state);
  assert.equal(json.run.step, 6);
  assert.equal(json.run.totalSteps, 6);
  assert.deepEqual(
    (json.run.checkpoints as Array<{ step: number }>).map((c) => c.step),
    r.state.checkpoints.map((c) => c.step),
  );
});

test('series of different steps merge into rows (empty cells where a series has no value); NaN is kept; names are quoted', () => {
  let s: RunState = initialRunState();
  s = { ...s, loss: { ...s.loss, step_loss: seriesPut(seriesPut(s.loss.step_loss, { step: 1, value: 0.5 }), { step: 3, value: NaN }) } };
  s = { ...s, scalars: { 'odd,"tag"': seriesPut(s.lrSeries, { step: 2, value: 7, wallTime: 1_700_000_000 }) } };
  const table = metricsTable(s);
  assert.equal(metricsCsv(table), ['step,wall_time,step_loss,"odd,""tag"""', '1,,0.5,', '2,2023-11-14T22:13:20.000Z,,7', '3,,NaN,', ''].join('\n'));
  const json = JSON.parse(metricsJson(runFactsOf({ id: 'x', name: 'x' }, s, 'unknown'), table)) as { rows: Array<Record<string, unknown>> };
  assert.equal(json.rows[2]!.step_loss, 'NaN');
  assert.equal(json.rows[0]!['odd,"tag"'], null);
});

test('validation images: readable names, the test images apart, repeats numbered, CLIP scores in the index', async (t) => {
  const dir = tempDir(t);
  const cache = join(dir, 'cache');
  mkdirSync(join(cache, 'validation-2-aa'), { recursive: true });
  mkdirSync(join(cache, 'test-4-bb'), { recursive: true });
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } })
    .png()
    .toBuffer();
  const files = [join(cache, 'validation-2-aa', '0.png'), join(cache, 'validation-2-aa', '1.png'), join(cache, 'test-4-bb', '0.png')];
  for (const f of files) writeFileSync(f, png);
  const s: RunState = {
    ...initialRunState(),
    banner: { numBatchesEachEpoch: 2, gradAccum: 1 },
    totalSteps: 4,
    step: 4,
    validation: {
      current: null,
      entries: [
        { tag: 'validation', epoch: 0, images: [{ ref: files[0]! }, { ref: files[1]! }] },
        { tag: 'validation', epoch: 0, images: [{ ref: files[0]! }] },
        { tag: 'test', epoch: 1, images: [{ ref: files[2]! }, { ref: '/elsewhere/events.out#123' }] },
      ],
    },
    clip: { model: 'm', scores: [{ key: 'validation-2-aa/1.png', tag: 'validation', epoch: 0, step: 2, index: 1, score: 31.5, model: 'm' }] },
  };
  const { images, skipped } = exportedImages(s);
  assert.deepEqual(
    images.map((i) => i.file),
    [
      'step-000002_epoch-01_prompt-0_img-0.png',
      'step-000002_epoch-01_prompt-0_img-1.png',
      'step-000002_epoch-01_prompt-0_img-0-2.png',
      'test_step-000004_epoch-02_prompt-0_img-0.png',
    ],
  );
  assert.deepEqual(skipped, ['/elsewhere/events.out#123']);
  const out = join(dir, 'export');
  const r = await exportValidationImages(s, out);
  assert.equal(r.copied.length, 4);
  assert.equal(r.skipped.length, 1);
  assert.deepEqual(readdirSync(out).sort(), [...images.map((i) => i.file), 'index.csv', 'index.json'].sort());
  assert.deepEqual(readFileSync(join(out, 'step-000002_epoch-01_prompt-0_img-1.png')), png);
  assert.equal(readFileSync(join(out, 'index.csv'), 'utf8'), imageIndexCsv(r.copied));
  assert.equal(readFileSync(join(out, 'index.csv'), 'utf8').split('\n')[2], 'step-000002_epoch-01_prompt-0_img-1.png,validation,2,1,0,1,31.5');
  const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8')) as Array<Record<string, unknown>>;
  assert.deepEqual(index[3], { file: 'test_step-000004_epoch-02_prompt-0_img-0.png', tag: 'test', step: 4, epoch: 2, prompt: 0, index: 0, clipScore: null });
});

async function cli(root: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = { code: -1, out: '', err: '' };
  const io: CliIo = {
    out: (text) => void (r.out += text),
    err: (text) => void (r.err += text),
    readStdin: async () => '',
    cwd: root,
    launcher: { execPath: process.execPath, wrapperScript: await wrapperJs() },
    onInterrupt: () => () => undefined,
  };
  r.code = await main(argv, io);
  return r;
}

test('run export (stand-in run): CSV, JSON with the run facts, and the validation images cut from its event files', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.root, '.sdxl'));
  cpSync(join(repoRoot, 'demo-workspace', 'data'), join(ws.root, 'data'), { recursive: true });
  symlinkSync(join(repoRoot, 'test', 'fixtures', 'trainer', 'standin_trainer.py'), join(ws.root, 'train_text_to_image_lora_sdxl.py'));
  const file = writeStandinConfig(ws, 'export-me', { steps: 4, args: { mixed_precision: 'bf16' } });
  const started = await cli(ws.root, ['run', 'start', file, '--json']);
  assert.equal(started.code, 0, started.err);
  const id = (JSON.parse(started.out) as { id: string }).id;
  await waitFor(() => ['succeeded', 'failed', 'stopped'].includes(readRecord(join(ws.recordsDir, id)).state), 'the run to end', 60_000);
  assert.equal(readRecord(join(ws.recordsDir, id)).state, 'succeeded');

  const csv = join(ws.root, 'm.csv');
  const json = join(ws.root, 'm.json');
  const images = join(ws.root, 'images-out');
  const r = await cli(ws.root, ['run', 'export', id.slice(0, 12), '--csv', 'm.csv', '--json', 'm.json', '--images', 'images-out']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /metrics \(CSV\): .*m\.csv/);

  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  assert.deepEqual(header.slice(0, 2), ['step', 'wall_time']);
  for (const col of ['train_loss', 'step_loss', 'lr', 'sec_per_it']) assert.ok(header.includes(col), `${col} in ${lines[0]}`);
  assert.deepEqual(
    lines.slice(1).map((l) => Number(l.split(',')[0])),
    [1, 2, 3, 4],
  );
  // The event files give each step its wall time.
  assert.ok(
    lines.slice(1).every((l) => /^\d+,\d{4}-/.test(l)),
    lines.join('\n'),
  );

  const doc = JSON.parse(readFileSync(json, 'utf8')) as { run: Record<string, unknown>; columns: string[]; rows: Array<Record<string, unknown>> };
  assert.equal(doc.run.id, id);
  assert.equal(doc.run.name, 'export-me');
  assert.equal(doc.run.script, 'lora');
  assert.equal(doc.run.outcome, 'succeeded');
  assert.equal(doc.run.step, 4);
  assert.equal((doc.run.args as Record<string, unknown>).validation_prompt, 'a red square');
  assert.deepEqual(
    (doc.run.checkpoints as Array<{ step: number }>).map((c) => c.step),
    [2, 4],
  );
  assert.equal(typeof doc.run.startedAt, 'string');
  assert.deepEqual(doc.columns, header);
  assert.equal(doc.rows.length, 4);
  assert.deepEqual([doc.run.tags, doc.run.note], [[], null]);

  // Renamed, tagged and noted (labels.json): the JSON names the run as `run list` and the Runs view do.
  const labelled = await cli(ws.root, ['run', 'label', id, '--name', 'export-me rank 8', '--tag', 'keeper', '--note', 'sharp']);
  assert.equal(labelled.code, 0, labelled.err);
  assert.equal((await cli(ws.root, ['run', 'export', id, '--json', 'm2.json'])).code, 0);
  const doc2 = JSON.parse(readFileSync(join(ws.root, 'm2.json'), 'utf8')) as { run: Record<string, unknown> };
  assert.deepEqual([doc2.run.name, doc2.run.tags, doc2.run.note], ['export-me rank 8', ['keeper'], 'sharp']);

  const names = readdirSync(images).sort();
  assert.ok(names.includes('index.csv') && names.includes('index.json'), names.join(' '));
  const pngs = names.filter((n) => n.endsWith('.png'));
  assert.ok(pngs.length >= 2, names.join(' '));
  for (const n of pngs) assert.match(n, /^(test_)?step-\d{6}_epoch-\d\d_prompt-0_img-\d+(-\d+)?\.png$/);
  assert.ok(
    pngs.some((n) => /^step-000004_epoch-01_prompt-0_img-0\.png$/.test(n)),
    pngs.join(' '),
  );
  assert.ok(
    pngs.some((n) => n.startsWith('test_step-000004_')),
    pngs.join(' '),
  );
  const meta = await sharp(join(images, pngs[0]!)).metadata();
  assert.equal(meta.format, 'png');
  const index = readFileSync(join(images, 'index.csv'), 'utf8').trim().split('\n');
  assert.equal(index[0], 'file,tag,step,epoch,prompt,index,clip_score');
  assert.equal(index.length - 1, pngs.length);
  // The images were cut into the workspace's cache, where the extension would have put them.
  assert.ok(existsSync(join(ws.root, '.sdxl', 'images', id)));

  const usage = await cli(ws.root, ['run', 'export', id]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /usage: run export ID/);
});
