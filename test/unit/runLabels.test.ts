// A run's labels (name, note, tags) in its record folder's labels.json: written atomically and owner-only, read
// leniently (a bad file is a notice, never a crash), and carried by the RecordSource into RunState.labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LABELS_FILE,
  MAX_NAME,
  MAX_NOTE,
  MAX_TAG,
  MAX_TAGS,
  applyLabelsEdit,
  decodeLabels,
  editLabels,
  labelsProblems,
  readLabels,
  readLabelsSync,
} from '../../src/core/supervisor/runLabels';
import { RUN_FILE, EXIT_FILE, updateRecord } from '../../src/core/supervisor/runRecord';
import { MONITOR_LOGGER, RunMonitor, readRunState } from '../../src/core/monitor/runMonitor';
import { reduceAll } from '../../src/core/run/reducer';
import { copyState, initialRunState } from '../../src/core/run/state';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { within } from './supervisorTestKit';

function recordDir(state: 'succeeded' | 'running' = 'succeeded', root = mkdtempSync(join(tmpdir(), 'sdxl-labels-'))): string {
  const dir = join(root, '20261129-120000-lora');
  mkdirSync(dir, { recursive: true });
  const createdAt = '2026-11-29T12:00:00.000Z';
  writeFileSync(
    join(dir, RUN_FILE),
    JSON.stringify({
      id: '20261129-120000-lora',
      name: 'lora',
      script: 'lora',
      plan: { argv: ['accelerate', 'launch', 'train_dreambooth_lora_sdxl.py'], env: {}, cwd: dir, script: 'lora' },
      createdAt,
      startedAt: createdAt,
      state,
      ...(state === 'succeeded' ? { endedAt: '2026-11-29T12:10:00.000Z', exitCode: 0 } : {}),
    }),
  );
  if (state === 'succeeded')
    writeFileSync(join(dir, EXIT_FILE), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: '2026-11-29T12:10:00.000Z' }));
  writeFileSync(join(dir, 'console.log'), '');
  return dir;
}

test('labels round trip: written owner-only and atomically, read back the same, edits merge', async () => {
  const dir = recordDir();
  assert.deepEqual(await readLabels(dir), { labels: { tags: [] }, problems: [], missing: true });
  const written = await editLabels(dir, { name: '  lr 1e-4, rank 32  ', note: 'first try\nwith a new caption set', tags: ['best', ' lr-sweep ', 'Best'] });
  assert.deepEqual(written, { name: 'lr 1e-4, rank 32', note: 'first try\nwith a new caption set', tags: ['best', 'lr-sweep'] });
  if (process.platform !== 'win32') assert.equal(statSync(join(dir, LABELS_FILE)).mode & 0o777, 0o600);
  assert.deepEqual((await readLabels(dir)).labels, written);
  assert.deepEqual(readLabelsSync(dir).labels, written);
  // Tags added and removed; an empty name goes back to the record's.
  const next = await editLabels(dir, { name: '', addTags: ['keep'], removeTags: ['BEST'] });
  assert.deepEqual(next, { note: 'first try\nwith a new caption set', tags: ['lr-sweep', 'keep'] });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, LABELS_FILE), 'utf8')), { note: 'first try\nwith a new caption set', tags: ['lr-sweep', 'keep'] });
  // The wrapper's read-modify-write of run.json leaves the labels alone (they are not in run.json).
  updateRecord(dir, { state: 'failed' });
  assert.deepEqual((await readLabels(dir)).labels, next);
  assert.equal(JSON.parse(readFileSync(join(dir, RUN_FILE), 'utf8')).labels, undefined);
});

test('labels limits: name, note, tag length and count, control characters; nothing is written when refused', async () => {
  const dir = recordDir();
  await editLabels(dir, { name: 'kept' });
  const refused = async (edit: Parameters<typeof editLabels>[1], pattern: RegExp) => {
    await assert.rejects(editLabels(dir, edit), (e: Error) => pattern.test(e.message) && e.message.includes(LABELS_FILE));
    assert.equal((await readLabels(dir)).labels.name, 'kept');
  };
  await refused({ name: 'x'.repeat(MAX_NAME + 1) }, /name is 201 characters long \(at most 200\)/);
  await refused({ name: 'two\nlines' }, /name holds a control character/);
  await refused({ note: 'n'.repeat(MAX_NOTE + 1) }, /note is 4001 characters long/);
  await refused({ note: 'bell\u0007' }, /note holds a control character/);
  await refused({ tags: ['t'.repeat(MAX_TAG + 1)] }, /is 41 characters long \(at most 40\)/);
  await refused({ tags: ['tab\there'] }, /holds a control character/);
  await refused({ tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) }, /21 tags \(at most 20\)/);
  // At the limits it is fine.
  await editLabels(dir, {
    name: 'x'.repeat(MAX_NAME),
    note: 'n'.repeat(MAX_NOTE),
    tags: Array.from({ length: MAX_TAGS }, (_, i) => `${i}`.padEnd(MAX_TAG, 'x')),
  });
  assert.deepEqual(labelsProblems((await readLabels(dir)).labels), []);
});

test('a bad labels file is problems that name the file, never a throw; the good fields of it are kept', async () => {
  const dir = recordDir();
  const path = join(dir, LABELS_FILE);
  writeFileSync(path, '{ "name": "half');
  const broken = await readLabels(dir);
  assert.deepEqual(broken.labels, { tags: [] });
  assert.match(broken.problems[0]!, /labels\.json: not valid JSON/);
  writeFileSync(path, '[1, 2]');
  assert.match((await readLabels(dir)).problems[0]!, /labels\.json: not a JSON object/);
  writeFileSync(path, JSON.stringify({ name: 42, note: 'good note', tags: ['ok', 7, 'bad\u0000tag', 'x'.repeat(50)] }));
  const partial = await readLabels(dir);
  assert.deepEqual(partial.labels, { note: 'good note', tags: ['ok'] });
  assert.equal(partial.problems.length, 4);
  for (const p of partial.problems) assert.ok(p.startsWith(path), p);
  // An edit of a broken file replaces it with the edit applied to what could be read.
  assert.deepEqual(await editLabels(dir, { name: 'fixed' }), { name: 'fixed', note: 'good note', tags: ['ok'] });
  assert.deepEqual(decodeLabels({ tags: Array.from({ length: 25 }, (_, i) => `t${i}`) }, 'f').labels.tags.length, MAX_TAGS);
  assert.deepEqual(applyLabelsEdit({ name: 'a', tags: [] }, { name: null }), { tags: [] });
});

test('the record source reads labels.json into RunState.labels; a change is read again, also after the run ended', async () => {
  const dir = recordDir();
  await editLabels(dir, { name: 'renamed', tags: ['best'] });
  const once = await readRunState(dir, join(dir, '..', 'images'));
  assert.equal(once.state, 'finished');
  assert.deepEqual(once.labels, { name: 'renamed', tags: ['best'] });

  // A bad file: a notice in the state, no crash, and no labels from it.
  writeFileSync(join(dir, LABELS_FILE), 'not json');
  const bad = await readRunState(dir, join(dir, '..', 'images'));
  assert.equal(bad.state, 'finished');
  assert.deepEqual(bad.labels, { tags: [] });
  assert.ok(
    bad.notices.some((n) => n.includes(LABELS_FILE)),
    JSON.stringify(bad.notices),
  );
  assert.ok(bad.logTail.some((l) => l.logger === MONITOR_LOGGER && l.message.includes('not valid JSON')));

  // An ended run's monitor reads nothing more by itself: rereadLabels picks up a rename.
  writeFileSync(join(dir, LABELS_FILE), JSON.stringify({ name: 'first', tags: [] }));
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(dir, '..', 'images'), pollMs: 20 });
  monitor.start();
  const ended = await within(monitor.whenEnded(), 30_000, 'the ended run to be read');
  assert.equal(ended.labels?.name, 'first');
  const seen: string[] = [];
  monitor.onDidChange((s) => seen.push(s.labels?.name ?? '(none)'));
  await editLabels(dir, { name: 'second', tags: ['keep'] });
  await monitor.rereadLabels();
  assert.deepEqual(monitor.state.labels, { name: 'second', tags: ['keep'] });
  assert.deepEqual(seen, ['second']);
  // Unchanged file: nothing emitted again.
  await monitor.rereadLabels();
  assert.deepEqual(seen, ['second']);
  monitor.stop();
});

test('the labels event sets RunState.labels, copied with the state', () => {
  const s = reduceAll([{ type: 'labels', name: 'n', note: 'a note', tags: ['x'] }]);
  assert.deepEqual(s.labels, { name: 'n', note: 'a note', tags: ['x'] });
  assert.equal(copyState(s).labels, s.labels);
  assert.equal(initialRunState().labels, null);
  assert.deepEqual(reduceAll([{ type: 'labels', tags: [] }], s).labels, { tags: [] });
});

test('CLI: run label renames and tags a run; run list and run show print the labels', async () => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-labels-cli-'));
  recordDir('succeeded', join(root, '.sdxl', 'runs'));
  const cli = async (...argv: string[]) => {
    const r = { code: -1, out: '', err: '' };
    const io: CliIo = {
      out: (t) => void (r.out += t),
      err: (t) => void (r.err += t),
      readStdin: async () => '',
      cwd: root,
      launcher: { execPath: process.execPath, wrapperScript: join(root, 'no-wrapper.js') },
      onInterrupt: () => () => undefined,
    };
    r.code = await main(argv, io);
    return r;
  };
  const labelled = await cli('run', 'label', '20261129', '--name', 'rank 32', '--tag', 'best', '--tag=sweep', '--note', 'good hands', '--json');
  assert.equal(labelled.code, 0, labelled.err);
  assert.deepEqual(JSON.parse(labelled.out), { id: '20261129-120000-lora', name: 'rank 32', note: 'good hands', tags: ['best', 'sweep'] });
  const untagged = await cli('run', 'label', '20261129', '--untag', 'sweep');
  assert.match(untagged.out, /tags: {2}#best\n/);
  const list = await cli('run', 'list', '--json');
  assert.equal(list.code, 0, list.err);
  const [item] = JSON.parse(list.out) as Array<{ name: string; tags: string[]; note?: string }>;
  assert.deepEqual([item!.name, item!.tags, item!.note], ['rank 32', ['best'], 'good hands']);
  const table = await cli('run', 'list');
  assert.match(table.out, /rank 32 .*#best/);
  const show = await cli('run', 'show', '20261129');
  assert.match(show.out, /name: +rank 32 \(config: lora\)\ntags: +#best\nnote: +good hands/);
  const showJson = JSON.parse((await cli('run', 'show', '20261129', '--json')).out) as { name: string; tags: string[] };
  assert.deepEqual([showJson.name, showJson.tags], ['rank 32', ['best']]);
  const refused = await cli('run', 'label', '20261129', '--tag', 'x'.repeat(41));
  assert.notEqual(refused.code, 0);
  assert.match(refused.err, /labels\.json: the tag .* is 41 characters long/);
});
