// "Open in TensorBoard" without the extension: the run's interpreter, the tensorboard check, a server started on a free
// loopback port and waited for, one per logs dir, and every process of it gone after stop (fake interpreters in
// test/fixtures/fake-python: `tensorboard` serves HTTP, `no-tensorboard` lacks the package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTensorBoard, freePort, runInterpreter, startTensorBoard, TensorBoards } from '../../src/core/supervisor/tensorboardServer';
import { repoRoot, waitFor } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups are Unix-only' : false, timeout: 60_000 };
const FAKE_TB = join(repoRoot, 'test', 'fixtures', 'fake-python', 'tensorboard', 'python');
const NO_TB = join(repoRoot, 'test', 'fixtures', 'fake-python', 'no-tensorboard', 'python');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

async function get(url: string): Promise<string> {
  const r = await fetch(url);
  return r.text();
}

function tempDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-tb-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("runInterpreter: the python beside the run's accelerate, else accelerate's #! line, else python3", (t) => {
  const dir = tempDir(t);
  const venvBin = join(dir, 'venv', 'bin');
  mkdirSync(venvBin, { recursive: true });
  writeFileSync(join(venvBin, 'accelerate'), '#!/x/venv/bin/python3.11\n');
  writeFileSync(join(venvBin, 'python'), '');
  chmodSync(join(venvBin, 'accelerate'), 0o755);
  assert.equal(runInterpreter({ argv: [join(venvBin, 'accelerate'), 'launch'], env: {} }, {}, 'linux'), join(venvBin, 'python'));
  // Found on the run's PATH, no python beside it: the #! line.
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'accelerate'), '#!/usr/bin/env python3.10\nimport sys\n');
  assert.equal(runInterpreter({ argv: ['accelerate', 'launch'], env: { PATH: other } }, {}, 'linux'), 'python3.10');
  assert.equal(runInterpreter({ argv: ['/opt/py/bin/python3', '-m', 'accelerate.commands.launch'], env: {} }, {}, 'linux'), '/opt/py/bin/python3');
  assert.equal(runInterpreter({ argv: ['accelerate'], env: { PATH: join(dir, 'none') } }, {}, 'linux'), 'python3');
});

test('checkTensorBoard: installed, missing (ModuleNotFoundError), or an interpreter that does not run', unixOnly, async () => {
  assert.deepEqual(await checkTensorBoard(FAKE_TB, process.env), { installed: true });
  const missing = await checkTensorBoard(NO_TB, process.env);
  assert.equal(missing.installed, false);
  assert.equal(!missing.installed && missing.missing, true);
  const broken = await checkTensorBoard('/nonexistent/python', process.env);
  assert.equal(!broken.installed && broken.missing, false);
});

test('freePort: a port that can be listened on', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
});

test('startTensorBoard: serves the logs dir on 127.0.0.1, waited for; stop kills its whole process group', unixOnly, async (t) => {
  const dir = tempDir(t);
  const pidFile = join(dir, 'pid');
  // Slow to listen, as TensorBoard's imports are: the start waits for an HTTP answer, not for the process.
  const server = await startTensorBoard({
    python: FAKE_TB,
    logDir: join(dir, 'logs'),
    env: { ...process.env, FAKE_TB_DELAY: '0.7', FAKE_TB_PIDFILE: pidFile },
  });
  t.after(() => server.stop());
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(await get(server.url), `fake tensorboard: ${join(dir, 'logs')}`);
  const pid = server.pid!;
  assert.equal(Number(readFileSync(pidFile, 'utf8')), pid, 'the interpreter exec()s the server: the leader is the server');
  assert.ok(groupAlive(pid));
  await server.stop();
  assert.equal(server.alive, false);
  assert.equal(alive(pid), false);
  // The `sleep` helper of the group is gone too.
  await waitFor(() => !groupAlive(pid), 'the process group to be gone', 5000);
  await assert.rejects(fetch(server.url));
});

test('startTensorBoard: a server that exits before answering is an error with its last output, no process left', unixOnly, async (t) => {
  const dir = tempDir(t);
  const python = join(dir, 'python');
  writeFileSync(python, '#!/bin/sh\n[ "$1" = -c ] && exit 0\necho "E1129 tensorboard: cannot bind" >&2\nexit 1\n');
  chmodSync(python, 0o755);
  await assert.rejects(startTensorBoard({ python, logDir: dir, env: process.env }), /exited before it answered.*cannot bind/);
  await assert.rejects(startTensorBoard({ python: join(dir, 'missing'), logDir: dir, env: process.env }), /could not be started|exited before/);
});

test('TensorBoards: one server per logs dir (a second open reuses it), a new one once it died, all stopped together', unixOnly, async (t) => {
  const dir = tempDir(t);
  const boards = new TensorBoards();
  t.after(() => boards.stopAll());
  const env = process.env;
  const [a, a2] = await Promise.all([
    boards.open({ python: FAKE_TB, logDir: join(dir, 'a'), env }),
    boards.open({ python: FAKE_TB, logDir: join(dir, 'a'), env }),
  ]);
  assert.equal(a.server, a2.server, 'two opens at once share one start');
  const again = await boards.open({ python: FAKE_TB, logDir: join(dir, 'a', '.'), env });
  assert.equal(again.reused, true);
  assert.equal(again.server, a.server);
  const b = await boards.open({ python: FAKE_TB, logDir: join(dir, 'b'), env });
  assert.notEqual(b.server.url, a.server.url);
  // A server that died (killed by hand) is started anew.
  await b.server.stop();
  const b2 = await boards.open({ python: FAKE_TB, logDir: join(dir, 'b'), env });
  assert.equal(b2.reused, false);
  assert.equal(await get(b2.server.url), `fake tensorboard: ${join(dir, 'b')}`);
  const pids = [a.server.pid!, b2.server.pid!];
  await boards.stopAll();
  for (const pid of pids) await waitFor(() => !groupAlive(pid), `process group ${pid} to be gone`, 5000);
});

test('TensorBoards.dispose (the window closing): every group killed at once', unixOnly, async (t) => {
  const dir = tempDir(t);
  const boards = new TensorBoards();
  t.after(() => boards.stopAll());
  const { server } = await boards.open({ python: FAKE_TB, logDir: dir, env: process.env });
  const pid = server.pid!;
  boards.dispose();
  await waitFor(() => !groupAlive(pid), 'the process group to be gone', 5000);
});
