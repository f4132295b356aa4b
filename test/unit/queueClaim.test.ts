// The start claim of a queued run (queue.claimStart): one start, whoever asks and however stale their view. CI once
// saw a queued run trained twice with two windows open: a finishing wrapper claimed and started it, exited, and the
// other window (which had listed the run as queued) broke the dead wrapper's lock and started it again.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { claimStart } from '../../src/core/supervisor/queue';
import { createRecord, readRecord, recordFiles, updateRecord } from '../../src/core/supervisor/runRecord';
import type { RunRecord } from '../../src/core/supervisor/types';
import { fakePlan, repoRoot, workspace } from './supervisorTestKit';

/** A pid that has just exited (a process that ran to its end). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function queuedRecord(ws: ReturnType<typeof workspace>): string {
  const record: Omit<RunRecord, 'id'> = {
    name: 'later',
    state: 'queued',
    plan: fakePlan(ws, ['--lines', '1']),
    createdAt: new Date().toISOString(),
  } as Omit<RunRecord, 'id'>;
  return createRecord(ws.recordsDir, record).dir;
}

test('a run another process already started is not claimed again, even when that process has exited since', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = queuedRecord(ws);
  // What a finishing wrapper leaves: its lock (its pid, now dead) and the record it moved on from queued.
  writeFileSync(recordFiles(dir).startLock, String(deadPid()));
  updateRecord(dir, { state: 'starting' });
  assert.equal(claimStart(dir), false, 'a starting run');
  updateRecord(dir, { state: 'running' });
  assert.equal(claimStart(dir), false, 'a running run');
  assert.equal(readRecord(dir).state, 'running');
});

test('a queued run whose claimer died is claimed once more, through the next lock generation', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = queuedRecord(ws);
  const lock = recordFiles(dir).startLock;
  const dead = deadPid();
  writeFileSync(lock, String(dead));
  assert.equal(claimStart(dir), true);
  assert.equal(readFileSync(lock, 'utf8'), String(dead), "the dead claimer's lock is left as it was");
  assert.equal(readFileSync(`${lock}.1`, 'utf8'), String(process.pid));
  assert.equal(claimStart(dir), false, 'held by this process now');
  // A lock being written (created, not yet holding a pid) counts as held.
  const other = queuedRecord(ws);
  writeFileSync(recordFiles(other).startLock, '');
  assert.equal(claimStart(other), false);
  assert.ok(!existsSync(`${recordFiles(other).startLock}.1`));
});

test('processes racing to claim a queued run behind a dead lock: exactly one wins', { skip: process.platform === 'win32' }, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = queuedRecord(ws);
  writeFileSync(recordFiles(dir).startLock, String(deadPid()));
  const racers = 6;
  // Every racer spins until the same moment, then claims; a winner moves the record on as pumpQueue does, then exits
  // (its lock now a dead one, like a finishing wrapper's). Each prints whether it won.
  const at = Date.now() + 1500;
  const src = (f: string) => JSON.stringify(join(repoRoot, 'src/core/supervisor', f));
  const code = `const { claimStart } = require(${src('queue.ts')});
    const { updateRecord } = require(${src('runRecord.ts')});
    while (Date.now() < ${at}) {}
    const won = claimStart(${JSON.stringify(dir)});
    if (won) updateRecord(${JSON.stringify(dir)}, { state: 'starting' });
    process.stdout.write(String(won));`;
  const results = await Promise.all(
    Array.from(
      { length: racers },
      () =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.on('error', reject);
          child.on('close', (rc) => (rc === 0 ? resolve(out) : reject(new Error(`racer exited ${rc}: ${out}`))));
        }),
    ),
  );
  assert.deepEqual(results.filter((r) => r === 'true').length, 1, `claims won: ${results.join(', ')}`);
  assert.equal(results.filter((r) => r === 'false').length, racers - 1);
  assert.equal(readRecord(dir).state, 'starting');
  // And once every racer has exited, their locks all dead: still nobody claims the started run.
  assert.equal(claimStart(dir), false);
});
