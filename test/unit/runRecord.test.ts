import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordWriteError, writeJsonAtomic } from '../../src/core/supervisor/atomicFile';
import { createRecord, listRuns, makeRunId, readRecord, slugify, updateRecord, workspaceRecordsDir } from '../../src/core/supervisor/runRecord';
import type { RunRecord } from '../../src/core/supervisor/types';
import { workspace } from './supervisorTestKit';

const base = (name: string, createdAt: string): Omit<RunRecord, 'id'> => ({
  name,
  script: 'lora',
  plan: { argv: ['accelerate', 'launch', 'train.py'], env: {}, cwd: '/tmp', script: 'lora' },
  createdAt,
  state: 'queued',
});

test('run ids are UTC timestamps plus a slug, and sort by creation time', () => {
  const a = makeRunId('My LoRA: dog/v2 ', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
  assert.equal(a, '20260102-030405-my-lora-dog-v2');
  const b = makeRunId('aaa', new Date(Date.UTC(2026, 0, 2, 3, 4, 6)));
  assert.ok(a < b);
  assert.equal(slugify('***'), 'run');
  assert.ok(slugify('x'.repeat(100)).length <= 40);
});

test('records are created uniquely under .sdxl/runs, never named checkpoint*, and listed oldest first', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  assert.equal(ws.recordsDir, workspaceRecordsDir(ws.root));
  const at = new Date(Date.UTC(2026, 5, 1, 12, 0, 0));
  const r1 = createRecord(ws.recordsDir, base('checkpoint', '2026-06-01T12:00:00.000Z'), at);
  const r2 = createRecord(ws.recordsDir, base('checkpoint', '2026-06-01T12:00:00.001Z'), at);
  assert.notEqual(r1.record.id, r2.record.id);
  for (const name of readdirSync(ws.recordsDir)) assert.ok(!name.startsWith('checkpoint'), name);
  assert.deepEqual(readRecord(r1.dir), r1.record);
  updateRecord(r2.dir, { state: 'running', pid: 42 });
  mkdirSync(join(ws.recordsDir, 'broken'));
  writeFileSync(join(ws.recordsDir, 'broken', 'run.json'), '{"id": 1');
  const problems: string[] = [];
  const runs = listRuns(ws.recordsDir, problems);
  // The broken one is still listed (issue 8 item 12), flagged as unreadable, never hiding the others.
  assert.deepEqual(
    runs.map((r) => [r.record.id, !!r.unreadable]),
    [
      [r1.record.id, false],
      [r2.record.id, false],
      ['broken', true],
    ],
  );
  assert.equal(runs[1]!.record.pid, 42);
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /broken.*run\.json is not valid JSON/);
});

test('a record with a bad shape is rejected with the field named', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const { dir } = createRecord(ws.recordsDir, base('x', new Date().toISOString()));
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'x', state: 'running', plan: { argv: [] } }));
  assert.throws(() => readRecord(dir), /plan\.argv/);
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: 'x', state: 'weird' }));
  assert.throws(() => readRecord(dir), /"state" must be one of/);
});

test('atomic writes leave no temporary files and replace the whole file', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(ws.root, { recursive: true });
  const p = join(ws.root, 'a.json');
  writeJsonAtomic(p, { big: 'x'.repeat(10_000) });
  writeJsonAtomic(p, { small: 1 });
  assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), { small: 1 });
  assert.deepEqual(
    readdirSync(ws.root).filter((n) => n.endsWith('.tmp')),
    [],
  );
});

test('an unwritable records folder gives a RecordWriteError naming the path and cause', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  // A file where a folder should be: fails for every user, root included.
  writeFileSync(join(ws.root, '.sdxl'), 'not a folder');
  assert.throws(
    () => createRecord(ws.recordsDir, base('x', new Date().toISOString())),
    (e: unknown) => e instanceof RecordWriteError && e.message.includes(ws.recordsDir) && /not a folder|ENOTDIR|EEXIST/.test(e.message),
  );
  if (process.platform !== 'win32' && process.getuid?.() !== 0) {
    const ro = join(ws.root, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    assert.throws(() => createRecord(join(ro, 'runs'), base('x', new Date().toISOString())), /permission denied \(EACCES\)/);
    chmodSync(ro, 0o755);
  }
});
