// Two windows (two Supervisors on one workspace) starting runs into one output_dir at the same moment: the check
// for a live run there and the record's creation happen under one lock, so exactly one starts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CREATE_LOCK, CreateLockTimeout, withCreateLock } from '../../src/core/supervisor/createLock';
import { PreflightError } from '../../src/core/supervisor/preflight';
import { listRuns } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { fakePlan, waitFor, workspace, wrapperJs } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false };

test('two supervisors starting into one output_dir at once: one run starts, the other is refused', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  // Each start waits (up to 1 s) in the gap between its check and its record for the other to reach the same gap:
  // without the lock both get there and both start; with it the second only checks after the first's record exists.
  let arrived = 0;
  const gap = async () => {
    arrived++;
    const end = Date.now() + 1000;
    while (arrived < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  };
  const make = async () =>
    new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, graceMs: 200, beforeRecord: gap });
  const [a, b] = [await make(), await make()];
  const plan = fakePlan(ws, ['--lines', '0']);
  const results = await Promise.allSettled([a.start(plan, { name: 'window A' }), b.start(plan, { name: 'window B' })]);
  const started = results.filter((r) => r.status === 'fulfilled');
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(
    started.length,
    1,
    `exactly one start (got ${started.length}; records: ${listRuns(ws.recordsDir)
      .map((e) => e.record.name)
      .join(', ')})`,
  );
  assert.equal(refused.length, 1);
  assert.ok(refused[0]!.reason instanceof PreflightError, `refused by the output_dir check: ${String(refused[0]!.reason)}`);
  assert.equal(listRuns(ws.recordsDir).length, 1, 'one record');
  assert.equal(existsSync(join(ws.recordsDir, CREATE_LOCK)), false, 'the lock is released');
  await a.stop(listRuns(ws.recordsDir)[0]!.record.id);
});

test("the create lock waits for its holder, breaks a dead holder's lock, and gives up naming a live one", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const lock = join(ws.recordsDir, CREATE_LOCK);
  // Held by this process: a second taker waits until the first releases it.
  const order: string[] = [];
  let release!: () => void;
  const first = withCreateLock(ws.recordsDir, () => new Promise<void>((r) => (release = () => (order.push('first done'), r()))));
  await waitFor(() => existsSync(lock), 'the first holder');
  const second = withCreateLock(ws.recordsDir, () => order.push('second ran'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'the second waits');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['first done', 'second ran']);
  // Left by a process that is gone: broken at once.
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  writeFileSync(lock, String(dead.pid));
  assert.equal(await withCreateLock(ws.recordsDir, () => 'ran', 2000), 'ran');
  // Held by a live process: refused after the timeout, naming it; the lock stays.
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.after(() => live.kill('SIGKILL'));
  writeFileSync(lock, String(live.pid));
  await assert.rejects(
    withCreateLock(ws.recordsDir, () => 'ran', 200),
    (e: unknown) => e instanceof CreateLockTimeout && e.message.includes(`process ${live.pid}`),
  );
  assert.equal(existsSync(lock), true);
});
