// Records are files in the workspace, so a repository can carry them: a queued run.json must not start by itself
// (only runs sealed by this machine's key start), a record naming someone else's process must not get it signalled,
// and listing runs in an untrusted workspace must start no process (Windows' PowerShell start-time query).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { trainerLiveness } from '../../src/core/supervisor/liveness';
import { defaultMachineKeyFile, isSealedBy, launchMac, loadMachineKey, MACHINE_KEY_ENV } from '../../src/core/supervisor/machineKey';
import { pidExists, processStartTime, START_TIME_UNREADABLE, type ProcessQuery } from '../../src/core/supervisor/processTree';
import { createRecord, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import type { RunRecord } from '../../src/core/supervisor/types';
import { fakePlan, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false, timeout: 60_000 };

async function supervisor(ws: Workspace, extra: { graceMs?: number; totalGpus?: number; processes?: ProcessQuery } = {}): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, ...extra });
}

/** A record as a repository could carry it: queued, its argv would leave a marker file if it ever ran. */
function plantQueued(ws: Workspace, marker: string, seal?: (r: RunRecord) => string): { dir: string; record: RunRecord; bytes: string } {
  const script = join(ws.root, 'planted.py');
  writeFileSync(script, 'import sys\nopen(sys.argv[1], "w").write("ran")\n');
  const plan = { argv: ['python3', script, marker], env: {}, cwd: ws.root, script: 'lora' as const };
  const { dir, record } = createRecord(
    ws.recordsDir,
    {
      name: 'planted',
      script: 'lora',
      plan,
      outputDir: join(ws.root, 'planted-out'),
      createdAt: '2020-01-01T00:00:00.000Z',
      state: 'queued',
      gpus: { count: 1 },
    },
    new Date('2020-01-01T00:00:00Z'),
    seal ? { seal } : {},
  );
  return { dir, record, bytes: readFileSync(recordFiles(dir).run, 'utf8') };
}

test('the machine key lives outside the workspace, private, and is made once', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'sdxl-key-test-')), 'sub', 'machine-key');
  const a = loadMachineKey(file);
  assert.equal(a.length, 32);
  assert.deepEqual(loadMachineKey(file), a, 'the same key every time');
  if (process.platform !== 'win32') assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(defaultMachineKeyFile({ HOME: '/h', XDG_CONFIG_HOME: '/cfg' }, 'linux'), join('/cfg', 'sdxl-trainer', 'machine-key'));
  assert.equal(defaultMachineKeyFile({ [MACHINE_KEY_ENV]: '/k' }, 'linux'), '/k');
  // The seal covers id, argv, env and cwd.
  const record = { id: 'r1', plan: { argv: ['a', 'b'], env: { X: '1' }, cwd: '/w', script: 'lora' as const } };
  const sealed = { ...record, launchMac: launchMac(a, record) };
  assert.ok(isSealedBy(a, sealed));
  assert.ok(!isSealedBy(Buffer.alloc(32, 7), sealed), "another machine's key");
  assert.ok(!isSealedBy(a, { ...sealed, id: 'r2' }));
  assert.ok(!isSealedBy(a, { ...sealed, plan: { ...record.plan, argv: ['a', 'c'] } }));
  assert.ok(!isSealedBy(a, { ...sealed, plan: { ...record.plan, env: { X: '2' } } }));
  assert.ok(!isSealedBy(a, { ...sealed, plan: { ...record.plan, cwd: '/x' } }));
  assert.ok(!isSealedBy(a, record), 'no seal at all');
});

test('a planted queued record (no seal, or a wrong one) is never started by the pump; one this machine queued is', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { totalGpus: 1 });
  const unsealed = plantQueued(ws, join(ws.root, 'ran-unsealed'));
  const wrong = plantQueued(ws, join(ws.root, 'ran-wrong'), () => 'hmac-sha256:' + '0'.repeat(64));
  // Sealed properly, but with another machine's key.
  const otherMachine = plantQueued(ws, join(ws.root, 'ran-other'), (r) => launchMac(Buffer.alloc(32, 1), r));
  const planted = [unsealed, wrong, otherMachine];

  const pump = await sup.pump();
  assert.deepEqual(pump.started, []);
  assert.deepEqual(pump.foreign.slice().sort(), planted.map((p) => p.record.id).sort());
  assert.deepEqual(
    (await sup.list())
      .filter((e) => e.foreign)
      .map((e) => e.record.id)
      .sort(),
    pump.foreign.slice().sort(),
    'listed as queued elsewhere',
  );

  // A run this machine queues starts at once: the planted ones (queued first) neither start nor hold it up.
  const own = await sup.enqueue(fakePlan(ws, ['--lines', '3']), { name: 'own' });
  assert.deepEqual(own.pump.started, [own.entry.record.id]);
  assert.ok(own.entry.record.launchMac, 'sealed when created');
  await waitFor(() => readRecord(own.entry.dir).state === 'succeeded', 'the own run to finish (its wrapper pumps the queue again)', 30_000);

  for (const p of planted) {
    assert.equal(readFileSync(recordFiles(p.dir).run, 'utf8'), p.bytes, `${p.record.id}: run.json unchanged`);
    assert.ok(!existsSync(recordFiles(p.dir).console), `${p.record.id}: no console, no process`);
    assert.ok(!existsSync(recordFiles(p.dir).startLock), `${p.record.id}: never claimed for a start`);
  }
  assert.ok(
    !existsSync(join(ws.root, 'ran-unsealed')) && !existsSync(join(ws.root, 'ran-wrong')) && !existsSync(join(ws.root, 'ran-other')),
    'no planted argv ran',
  );

  // The user says "Start it": sealed with this machine's key, then it runs like any queued run.
  const accepted = await sup.acceptQueued(unsealed.record.id);
  assert.deepEqual(accepted.started, [unsealed.record.id]);
  await waitFor(() => existsSync(join(ws.root, 'ran-unsealed')), 'the accepted run to run');
});

test('a record whose launch was changed after this machine sealed it is foreign again', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { totalGpus: 1 });
  // Hold the GPU so the second run stays queued, then change its argv on disk.
  const first = await sup.enqueue(fakePlan(ws, ['--lines', '0']), { name: 'holds the GPU' });
  const secondPlan = fakePlan(ws, ['--lines', '1']);
  const second = await sup.enqueue({ ...secondPlan, argv: secondPlan.argv.map((a) => a.replace(/out$/, 'out2')) }, { name: 'queued' });
  assert.equal(second.entry.record.state, 'queued');
  assert.equal((await sup.list()).find((e) => e.record.id === second.entry.record.id)!.foreign, undefined);
  const tampered = { ...readRecord(second.entry.dir) };
  tampered.plan = { ...tampered.plan, argv: ['python3', '-c', 'print("not what was queued")'] };
  writeFileSync(recordFiles(second.entry.dir).run, JSON.stringify(tampered));
  assert.equal((await sup.list()).find((e) => e.record.id === second.entry.record.id)!.foreign, true);
  await sup.stop(first.entry.record.id, { graceMs: 200 });
  const after = readRecord(second.entry.dir);
  assert.equal(after.state, 'queued', 'the finishing wrapper did not start it');
  assert.ok(!existsSync(recordFiles(second.entry.dir).console));
});

/** A live process that is not any run's: its own process group, as a planted record would name it. */
function foreignProcess(t: { after(fn: () => void): void }): number {
  const child = spawn('python3', ['-c', 'import time; time.sleep(120)'], { detached: true, stdio: 'ignore' });
  t.after(() => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  });
  return child.pid!;
}

test('Stop never signals a live process that a planted record names without its start time, or with another one, and says why', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { graceMs: 100 });
  const pid = foreignProcess(t);
  await waitFor(async () => (await processStartTime(pid)) !== undefined, 'the foreign process');
  const started = (await processStartTime(pid))!;
  const base = {
    name: 'planted',
    script: 'lora' as const,
    plan: fakePlan(ws, []),
    createdAt: new Date().toISOString(),
    state: 'running' as const,
    pid,
    pgid: pid,
  };

  // No start time: not ours. No live wrapper either: the record is settled, its note says why.
  const none = createRecord(ws.recordsDir, base);
  assert.equal((await trainerLiveness(none.record)).state, 'notOurs');
  const settled = await sup.stop(none.record.id);
  assert.ok(pidExists(pid) && (await processStartTime(pid)) === started, 'the foreign process is still alive');
  assert.notEqual(settled.state, 'running');
  assert.match(settled.note ?? '', new RegExp(`process ${pid} is alive, but the record has no start time for it`));
  assert.ok(!existsSync(recordFiles(none.dir).stop), 'nothing written as a stop request');

  // A wrong start time, and a live wrapper that really is the one recorded (this test process): Stop refuses, saying why.
  const self = (await processStartTime(process.pid))!;
  const wrong = createRecord(ws.recordsDir, { ...base, procStartTime: `${started}0`, wrapperPid: process.pid, wrapperStartTime: self });
  await assert.rejects(sup.stop(wrong.record.id), new RegExp(`was not stopped, and no process was signalled: process ${pid} is alive, but it started at`));
  assert.ok(pidExists(pid) && (await processStartTime(pid)) === started, 'still alive after the refused Stop');
  assert.equal(readRecord(wrong.dir).state, 'running', 'the record is left as it is');

  // Without a start time, the same.
  const noTime = createRecord(ws.recordsDir, { ...base, wrapperPid: process.pid, wrapperStartTime: self });
  await assert.rejects(sup.stop(noTime.record.id), /no start time for it/);
  assert.ok(pidExists(pid) && (await processStartTime(pid)) === started, 'still alive');
});

test('listing runs with Windows\' process query spawns nothing in an untrusted workspace: liveness is "unknown"', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const spawned: string[] = [];
  let trusted = false;
  const recorded = 'T2024-01-01';
  const windows: ProcessQuery = {
    platform: 'win32',
    run: async (cmd, args) => {
      spawned.push([cmd, ...args].join(' '));
      return `${recorded}\r\n`;
    },
    maySpawn: () => trusted,
  };
  // A live pid (this test process), as a Windows record holds it.
  const { dir, record } = createRecord(ws.recordsDir, {
    name: 'win',
    script: 'lora',
    plan: fakePlan(ws, []),
    createdAt: new Date().toISOString(),
    state: 'running',
    pid: process.pid,
    procStartTime: recorded,
    wrapperPid: process.pid,
    wrapperStartTime: recorded,
  });
  const before = readFileSync(recordFiles(dir).run, 'utf8');
  const sup = await supervisor(ws, { processes: windows });
  const listed = await sup.list();
  assert.deepEqual(spawned, [], 'no process spawned to list runs');
  assert.equal(listed[0]!.record.state, 'running', 'not settled on a guess');
  assert.equal(readFileSync(recordFiles(dir).run, 'utf8'), before, 'run.json untouched');
  const live = await trainerLiveness(record, windows);
  assert.equal(live.state, 'unknown');
  assert.match('why' in live ? live.why : '', /untrusted workspace/);
  assert.equal((await sup.live()).length, 1, 'an unknown run still holds its GPUs');
  assert.deepEqual(spawned, []);

  // Trusted: PowerShell is asked (by argument array) and the start time decides.
  trusted = true;
  assert.equal((await trainerLiveness(record, windows)).state, 'alive');
  assert.equal(spawned.length, 1);
  assert.match(spawned[0]!, /^powershell\.exe -NoProfile -NonInteractive -Command \(Get-Process -Id \d+\)\.StartTime/);
});

test('a start time the wrapper could not read is never verified (not signalled) and never taken for gone (not settled)', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { graceMs: 100 });
  const { dir, record } = createRecord(ws.recordsDir, {
    name: 'unverifiable',
    script: 'lora',
    plan: fakePlan(ws, []),
    createdAt: new Date().toISOString(),
    state: 'running',
    pid: process.pid,
    pgid: process.pid,
    procStartTime: START_TIME_UNREADABLE,
  });
  assert.equal((await trainerLiveness(record)).state, 'unknown');
  assert.equal((await sup.get(record.id)).record.state, 'running', 'not settled as ended');
  await assert.rejects(sup.stop(record.id), /no process was signalled: .*could not be read when it was recorded/);
  assert.ok(!existsSync(recordFiles(dir).stop));
});
