// A window notices run records another window (or the CLI) created or removed: the records folder watch.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordsFolderWatch } from '../../src/core/supervisor/recordsWatch';
import { editLabels, LABELS_STAMP } from '../../src/core/supervisor/runLabels';
import { listRuns } from '../../src/core/supervisor/runRecord';

test('the records folder watch reports folders created and removed, not an unchanged folder', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-records-watch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, '.sdxl', 'runs');
  let calls = 0;
  const watch = new RecordsFolderWatch(dir, () => calls++);
  assert.equal(watch.check(), false, 'the first check only records what is there (here: no folder yet)');
  assert.equal(watch.check(), false);
  mkdirSync(join(dir, '20240101-000000-a'), { recursive: true });
  assert.equal(watch.check(), true, 'a record created by another process');
  assert.equal(watch.check(), false, 'nothing new');
  mkdirSync(join(dir, '20240101-000001-b'));
  rmSync(join(dir, '20240101-000000-a'), { recursive: true });
  assert.equal(watch.check(), true, 'one removed and one added: same count, other names');
  rmSync(join(dir, '20240101-000001-b'), { recursive: true });
  assert.equal(watch.check(), true, 'a record removed');
  assert.equal(calls, 3);
});

test('started, the watch calls back on its own when another process adds a record', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-records-watch-'));
  const watch = new RecordsFolderWatch(root, () => seen());
  let seen: () => void = () => undefined;
  const called = new Promise<void>((resolve) => (seen = resolve));
  t.after(() => {
    watch.dispose();
    rmSync(root, { recursive: true, force: true });
  });
  watch.start(20);
  mkdirSync(join(root, '20240101-000000-other-window'));
  // A timer that keeps the event loop alive while waiting (the watch's own interval is unref'd, as in the product).
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no callback within 5 s')), 5000)));
  try {
    await Promise.race([called, timeout]);
  } finally {
    clearTimeout(timer);
  }
});

test('a relabel (editLabels rewrites the stamp) is a change to a watch given that stamp, not to one without it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-records-watch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const run = join(root, '20240101-000000-ended');
  mkdirSync(run);
  let calls = 0;
  const withStamp = new RecordsFolderWatch(root, () => calls++, undefined, [LABELS_STAMP]);
  const plain = new RecordsFolderWatch(root, () => undefined);
  withStamp.check();
  plain.check();
  await editLabels(run, { name: 'renamed in a terminal' });
  assert.ok(existsSync(join(root, LABELS_STAMP)), 'the stamp sits in the records folder');
  assert.equal(plain.check(), true, 'its first write is a new name in the folder');
  assert.equal(withStamp.check(), true);
  assert.equal(withStamp.check(), false, 'nothing new');
  await editLabels(run, { tags: ['best'] });
  assert.equal(plain.check(), false, 'names alone: the folder looks the same');
  assert.equal(withStamp.check(), true, 'the stamp changed');
  await editLabels(run, { tags: ['best'] });
  assert.equal(withStamp.check(), true, 'every edit rewrites the stamp, even one that changes nothing');
  assert.equal(calls, 3);
  // The stamp is no run: the records listing passes over it.
  assert.deepEqual(
    listRuns(root).map((e) => e.dir),
    [],
  );
});

test('a stamp planted as a FIFO or a link is read as no stamp, without blocking', { skip: process.platform === 'win32' }, (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-records-watch-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  execFileSync('mkfifo', [join(root, LABELS_STAMP)]);
  const watch = new RecordsFolderWatch(root, () => undefined, undefined, [LABELS_STAMP]);
  watch.check();
  assert.equal(watch.check(), false, 'a FIFO: nothing read, nothing changed (and this test did not hang)');
  rmSync(join(root, LABELS_STAMP));
  writeFileSync(join(root, 'secret'), 'x'.repeat(10));
  symlinkSync(join(root, 'secret'), join(root, LABELS_STAMP));
  watch.check();
  writeFileSync(join(root, 'secret'), 'y'.repeat(10));
  assert.equal(watch.check(), false, "a link: the target's content is not followed");
});
