// Real processes and real signals: the fake trainer (test/fixtures/fake-long-process.py) started through the
// supervisor and its detached wrapper.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordWriteError } from '../../src/core/supervisor/atomicFile';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { PreflightError } from '../../src/core/supervisor/preflight';
import { processStartTime, signalRun } from '../../src/core/supervisor/processTree';
import { createRecord, readExit, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { runWrapper } from '../../src/core/supervisor/wrapperMain';
import { readRunState } from '../../src/core/monitor/runMonitor';
import { summarizePath } from '../../src/core/monitor/summarize';
import { STARTER, fakePlan, runProcessCount, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false };

async function supervisor(ws: Workspace, extra: { graceMs?: number; totalGpus?: number } = {}): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, ...extra });
}

const consoleText = (dir: string) => (existsSync(recordFiles(dir).console) ? readFileSync(recordFiles(dir).console, 'utf8') : '');

test('a run is recorded, writes its own console, and the wrapper records the exit status', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const { dir, record } = await sup.start(fakePlan(ws, ['--lines', '6', '--exit-code', '3']), { name: 'fails with 3' });
  assert.ok(record.pid && record.procStartTime && record.wrapperPid, 'pid, start time and wrapper pid recorded');
  assert.equal(record.pgid, record.pid, 'the training leads its own process group');
  assert.equal(record.outputDir, join(ws.root, 'out'));
  await waitFor(() => existsSync(recordFiles(dir).exit), 'exit.json');
  const exit = readExit(dir)!;
  assert.equal(exit.exitCode, 3);
  assert.equal(exit.stopRequested, false);
  await waitFor(() => readRecord(dir).state === 'failed', 'final state');
  const final = readRecord(dir);
  assert.equal(final.exitCode, 3);
  const text = consoleText(dir);
  // stdout and stderr both land in console.log, written by the child itself.
  assert.equal(text.match(/^Steps: \d+ █▌/gm)?.length, 6);
  assert.match(text, /^done$/m);
});

test('stop ends every process of the run, including a child that ignores SIGINT and SIGTERM', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { graceMs: 300 });
  const { dir, record } = await sup.start(fakePlan(ws, ['--children', '--interval', '0.05']));
  await waitFor(() => /children started \d+ \d+/.test(consoleText(dir)), 'the two children');
  // wrapper + trainer + two children
  assert.ok((await runProcessCount(record)) >= 4, `expected at least 4 processes, saw ${await runProcessCount(record)}`);
  const stopped = await sup.stop(record.id);
  assert.equal(await runProcessCount(record), 0, 'no process of the run survives');
  assert.equal(stopped.state, 'stopped');
  assert.equal(readExit(dir)?.stopRequested, true);
  assert.ok(!(await isAlive(stopped)));
});

test('the run completes and its exit is recorded after the process that started it is killed', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const wrapper = await wrapperJs();
  const plan = fakePlan(ws, ['--lines', '80', '--interval', '0.03']);
  // The starter plays the extension host, in its own process group so the whole group can be killed at once.
  const starter = spawn(process.execPath, ['--import', 'tsx', STARTER, ws.recordsDir, wrapper, JSON.stringify(plan)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let out = '';
  starter.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('\n'), 'the starter to report the run id', 30_000);
  const { id } = JSON.parse(out) as { id: string };
  const dir = join(ws.recordsDir, id);
  const starterGone = new Promise((r) => starter.once('exit', r));
  process.kill(-starter.pid!, 'SIGKILL');
  await starterGone;
  assert.ok(!existsSync(recordFiles(dir).exit), 'the run was still going when its starter died');
  assert.ok(await isAlive(readRecord(dir)), 'the training outlived its starter');
  await waitFor(() => existsSync(recordFiles(dir).exit), 'exit.json after the starter died');
  assert.equal(readExit(dir)!.exitCode, 0);
  await waitFor(() => readRecord(dir).state === 'succeeded', 'succeeded');
  assert.equal(consoleText(dir).match(/^Steps: /gm)?.length, 80);
});

test('a fresh Supervisor (window reload) sees the live run and follows its console from byte 0 with no gap', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const first = await supervisor(ws);
  const { record } = await first.start(fakePlan(ws, ['--lines', '120', '--interval', '0.01', '--pad', '50']));
  const reloaded = await supervisor(ws);
  const live = await reloaded.live();
  assert.deepEqual(
    live.map((e) => e.record.id),
    [record.id],
  );
  assert.ok(await reloaded.isAlive(live[0]!.record));
  let seen = '';
  let lastOffset = -1;
  const follower = reloaded.follow(
    record.id,
    (text, offset) => {
      assert.ok(offset > lastOffset, 'chunks arrive in order');
      lastOffset = offset;
      seen += text;
    },
    { pollMs: 20, maxReadBytes: 97 },
  );
  const end = await follower.done;
  assert.equal(end.reason, 'ended');
  const file = readFileSync(recordFiles(live[0]!.dir).console);
  assert.equal(end.bytesRead, file.length);
  assert.equal(seen, file.toString('utf8'), 'bytes read equal the file, multi-byte glyphs intact');
  assert.equal((await reloaded.get(record.id)).record.state, 'succeeded');
});

test('a live pid with a different start time is not taken for the run (pid reuse)', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const real = await processStartTime(process.pid);
  assert.ok(real, 'start time readable');
  const { dir, record } = createRecord(ws.recordsDir, {
    name: 'reused',
    script: 'lora',
    plan: fakePlan(ws, []),
    createdAt: new Date().toISOString(),
    state: 'running',
    pid: process.pid,
    procStartTime: String(Number(real) + 1),
  });
  assert.equal(await isAlive(record), false);
  assert.equal(await isAlive({ ...record, procStartTime: real }), true);
  // With no live wrapper and no exit.json, a reload settles it as failed with a note.
  const sup = await supervisor(ws);
  const settled = (await sup.get(record.id)).record;
  assert.equal(settled.state, 'failed');
  assert.match(settled.note ?? '', /wrapper process was killed/);
  assert.equal(readRecord(dir).state, 'failed', 'the settlement is written to run.json');
});

test('killing only the wrapper leaves the training running; once it dies the run is marked failed with a note', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const { dir, record } = await sup.start(fakePlan(ws, ['--interval', '0.05']));
  process.kill(record.wrapperPid!, 'SIGKILL');
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to die');
  assert.ok(await isAlive(record));
  assert.equal((await sup.get(record.id)).record.state, 'running', 'still followed while the training lives');
  await signalRun(record.pgid, [], 'SIGKILL');
  await waitFor(async () => !(await isAlive(record)), 'the training to die');
  const settled = (await (await supervisor(ws)).get(record.id)).record;
  assert.equal(settled.state, 'failed');
  assert.equal(settled.exitCode, null);
  assert.match(settled.note!, /^ended, exit status unknown/);
  assert.ok(!existsSync(recordFiles(dir).exit));
});

test('preflight refuses a missing executable, script or folder, and a busy output_dir, with clear messages', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws, { graceMs: 200 });
  const bad = { ...fakePlan(ws, []), argv: ['no-such-accelerate-xyz', 'launch', join(ws.root, 'missing_train.py')] };
  await assert.rejects(sup.start(bad), (e: unknown) => {
    assert.ok(e instanceof PreflightError);
    assert.deepEqual(e.problems.map((p) => p.code).sort(), ['executable-missing', 'script-missing']);
    assert.match(e.message, /executable 'no-such-accelerate-xyz' was not found on the PATH the run gets/);
    assert.match(e.message, /missing_train\.py does not exist/);
    return true;
  });
  // The plan's own PATH is the one searched.
  await assert.rejects(sup.start(fakePlan(ws, [], { PATH: join(ws.root, 'empty-bin') })), /executable 'python3' was not found/);
  await assert.rejects(sup.start({ ...fakePlan(ws, []), cwd: join(ws.root, 'nope') }), /working folder .*nope does not exist/);
  assert.equal((await sup.list()).length, 0, 'nothing recorded for refused runs');

  const { record } = await sup.start(fakePlan(ws, ['--interval', '0.05']));
  await assert.rejects(
    sup.start(fakePlan(ws, [])),
    (e: unknown) => e instanceof PreflightError && e.problems[0]!.code === 'output-dir-busy' && e.message.includes(record.id),
  );
  await sup.stop(record.id);
});

test('an unwritable records folder is a clear error and starts nothing', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  writeFileSync(join(ws.root, '.sdxl'), 'a file where the records folder should be');
  const sup = await supervisor(ws);
  await assert.rejects(
    sup.start(fakePlan(ws, ['--lines', '1'])),
    (e: unknown) => e instanceof RecordWriteError && e.message.includes('cannot write run record'),
  );
  assert.ok(!existsSync(join(ws.root, 'out')));
});

test('the wrapper records a training command that cannot be started', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const { dir } = createRecord(ws.recordsDir, {
    name: 'enoent',
    script: 'lora',
    plan: { ...fakePlan(ws, []), argv: [join(ws.root, 'not-there'), 'x.py'] },
    createdAt: new Date().toISOString(),
    state: 'starting',
  });
  assert.equal(await runWrapper(dir, { pump: false }), 0);
  assert.match(readExit(dir)!.error!, /could not start .*not-there.*ENOENT/);
  assert.equal(readRecord(dir).state, 'failed');
  assert.match(consoleText(dir), /\[sdxl-trainer\] could not start/);
});

test('when run.json can no longer be written the training still runs to the end and exit.json is written', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const { dir } = createRecord(ws.recordsDir, {
    name: 'unwritable',
    script: 'lora',
    plan: fakePlan(ws, ['--lines', '5']),
    createdAt: new Date().toISOString(),
    state: 'starting',
  });
  const done = runWrapper(dir, { pump: false }); // reads run.json synchronously before its first await
  // From now on every write of run.json fails: a non-empty folder sits where the file was.
  rmSync(recordFiles(dir).run);
  mkdirSync(join(recordFiles(dir).run, 'blocker'), { recursive: true });
  assert.equal(await done, 0);
  assert.equal(readExit(dir)!.exitCode, 0);
  assert.equal(consoleText(dir).match(/^Steps: /gm)?.length, 5);
  // Said in the console, where the user is looking, once however many writes failed, naming the file.
  const said = consoleText(dir).match(/^\[sdxl-trainer\] cannot write run record .*$/gm) ?? [];
  assert.equal(said.length, 1, said.join('\n'));
  assert.ok(said[0]!.includes(recordFiles(dir).run), said[0]);
});

test('a full disk (no free inode) while writing run records: the training goes on, the error is said, the outcome kept', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  // A real full file system: a small tmpfs whose inodes are used up mid-run. Needs the right to mount (root here).
  const mnt = mkdtempSync(join(tmpdir(), 'sdxl-fullfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,nr_inodes=32', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (e) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs here: ${(e as Error).message.split('\n')[0]}`);
  }
  t.after(() => {
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  const { dir } = createRecord(join(mnt, 'runs'), {
    name: 'disk full',
    script: 'lora',
    plan: fakePlan(ws, ['--lines', '30', '--interval', '0.03']),
    createdAt: new Date().toISOString(),
    state: 'starting',
  });
  const done = runWrapper(dir, { pump: false });
  await waitFor(() => readRecord(dir).state === 'running' && /^Steps: 2 /m.test(consoleText(dir)), 'the run to be running');
  let files = 0;
  for (;;) {
    try {
      writeFileSync(join(mnt, `fill-${files++}`), '');
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
      break;
    }
  }
  assert.equal(await done, 0);
  // The training went on to its end.
  const text = consoleText(dir);
  assert.equal(text.match(/^Steps: /gm)?.length, 30);
  assert.match(text, /^done$/m);
  // exit.json could not be made, and the console says so; run.json was rewritten in place with the outcome.
  assert.equal(existsSync(recordFiles(dir).exit), false);
  assert.match(
    text,
    new RegExp(
      `^\\[sdxl-trainer\\] cannot write run record ${recordFiles(dir).exit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the disk is full \\(ENOSPC\\)$`,
      'm',
    ),
  );
  const record = readRecord(dir);
  assert.equal(record.state, 'succeeded');
  assert.equal(record.exitCode, 0);
  assert.match(record.note ?? '', /exit\.json: the disk is full \(ENOSPC\)/);
  // The monitor reads it as a finished run with the error as a notice users see.
  const cache = join(ws.root, 'images');
  const state = await readRunState(dir, cache);
  assert.equal(state.state, 'finished');
  assert.ok(
    state.notices.some((n) => /exit\.json: the disk is full \(ENOSPC\)/.test(n)),
    JSON.stringify(state.notices),
  );
  // And the summary of the record folder names it.
  const summary = await summarizePath(dir);
  assert.equal(summary.summary.state, 'succeeded');
  assert.ok(
    summary.notes.some((n) => /exit\.json: the disk is full/.test(n)),
    JSON.stringify(summary.notes),
  );
});
