// Where "Check Dataset" puts each finding in the Problems panel (core/view/datasetProblems.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placeFindings } from '../../src/core/view/datasetProblems';
import type { DatasetFinding, DatasetReport, DatasetSource } from '../../src/core/dataset/types';

const D = '/w/data';
function report(source: DatasetSource, findings: DatasetFinding[]): DatasetReport {
  return {
    source,
    resolution: 1024,
    images: [{ file: `${D}/a.png`, role: 'train', caption: null, codes: ['no-caption'] }],
    findings,
    summary: { images: 1, errors: 0, warnings: 0, infos: 0, resolution: { labels: [], counts: [] }, aspect: { labels: [], counts: [] } },
  };
}
const folder: DatasetSource = { kind: 'imagefolder', dir: D, imageColumn: 'image', captionColumn: 'text' };
const f = (code: DatasetFinding['code'], file: string, line?: number): DatasetFinding => ({
  code,
  severity: 'error',
  file,
  message: code,
  ...(line ? { line } : {}),
});
const existing = new Set([`${D}/a.png`, `${D}/metadata.jsonl`, `${D}/notes.txt`]);
const isFile = (p: string) => existing.has(p);

test('metadata.jsonl findings go on their line, image findings on the image, folder-level ones on the config argument', () => {
  const r = report(folder, [
    f('metadata-bad-line', `${D}/metadata.jsonl`, 7),
    f('no-caption', `${D}/a.png`),
    f('missing-metadata', `${D}/metadata.jsonl.missing`),
    f('no-images', D),
  ]);
  const places = placeFindings(r, { configArgs: { train_data_dir: 'data' }, isFile }).map((p) => p.place);
  assert.deepEqual(places, [
    { kind: 'line', file: `${D}/metadata.jsonl`, line: 7 },
    { kind: 'file', file: `${D}/a.png` },
    { kind: 'configArg', dest: 'train_data_dir' },
    { kind: 'configArg', dest: 'train_data_dir' },
  ]);
});

test('without a config (a folder was checked) folder-level findings stay on the folder; a non-image file keeps its finding', () => {
  const r = report(folder, [f('no-images', D), f('not-an-image', `${D}/notes.txt`)]);
  assert.deepEqual(
    placeFindings(r, { isFile }).map((p) => p.place),
    [
      { kind: 'file', file: D },
      { kind: 'file', file: `${D}/notes.txt` },
    ],
  );
});

test('the argument named is the one that names the dataset: dataset_name, or the DreamBooth class folder', () => {
  const hub = report({ kind: 'hub', id: 'user/set', imageColumn: 'image', captionColumn: null }, [f('hub-dataset', 'user/set')]);
  assert.deepEqual(
    placeFindings(hub, { configArgs: { dataset_name: 'user/set' }, isFile }).map((p) => p.place),
    [{ kind: 'configArg', dest: 'dataset_name' }],
  );
  const db = report({ kind: 'dreambooth', instanceDir: '/w/inst', classDir: '/w/class' }, [f('no-images', '/w/class'), f('no-images', '/w/inst')]);
  assert.deepEqual(
    placeFindings(db, { configArgs: {}, isFile }).map((p) => p.place),
    [
      { kind: 'configArg', dest: 'class_data_dir' },
      { kind: 'configArg', dest: 'instance_data_dir' },
    ],
  );
});
