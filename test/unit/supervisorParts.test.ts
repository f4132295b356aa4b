import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { followRun, type FollowEvent } from '../../src/core/supervisor/follow';
import { outputDirOf } from '../../src/core/launch/planArgs';
import { configPointerOf, preflight, PreflightError, pythonChoiceHelps, resolveExecutable, type PreflightProblem } from '../../src/core/supervisor/preflight';
import { parseProcStat } from '../../src/core/supervisor/processTree';
import { withResume } from '../../src/core/supervisor/resume';
import { createRecord, readRecord, recordFiles, updateRecord } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import type { LaunchPlan } from '../../src/core/supervisor/types';
import { fakePlan, waitFor, workspace, wrapperJs } from './supervisorTestKit';

const base: LaunchPlan = {
  argv: ['accelerate', 'launch', '--num_processes', '2', '/d/train.py', '--output_dir', 'o', '--resume_from_checkpoint', 'latest', '--seed=1'],
  env: { A: '1' },
  cwd: '/w',
  script: 'full',
};

test('withResume puts --resume_from_checkpoint right after the script, replacing an earlier one', () => {
  const r = withResume(base, 'checkpoint-1500');
  assert.deepEqual(r.argv, [
    'accelerate',
    'launch',
    '--num_processes',
    '2',
    '/d/train.py',
    '--resume_from_checkpoint',
    'checkpoint-1500',
    '--output_dir',
    'o',
    '--seed=1',
  ]);
  assert.deepEqual(base.argv[8], 'latest', 'the input plan is not modified');
  const eq = withResume({ ...base, argv: ['accelerate', 'launch', '/d/train.py', '--resume_from_checkpoint=checkpoint-5'] }, 'checkpoint-10');
  assert.deepEqual(eq.argv.slice(2), ['/d/train.py', '--resume_from_checkpoint', 'checkpoint-10']);
  assert.throws(() => withResume(base, 'latest'), /expected a checkpoint folder name like checkpoint-500/);
  assert.throws(() => withResume({ ...base, argv: ['accelerate', 'launch'] }, 'checkpoint-1'), /no training script/);
});

test('output_dir comes from the script arguments or the script default, resolved against cwd', () => {
  assert.equal(outputDirOf(base), '/w/o');
  assert.equal(outputDirOf({ ...base, argv: ['accelerate', 'launch', '/d/train.py'], script: 'lora' }), '/w/sd-model-finetuned-lora');
  assert.equal(outputDirOf({ ...base, argv: ['python', 't.py', '--output_dir=/abs/x'] }), '/abs/x');
});

test('/proc stat parsing survives spaces and parentheses in the command name', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  const text = `123 (my (weird) name) S 1 77 ${fields.slice(3).join(' ')}`;
  const info = parseProcStat(123, text)!;
  assert.equal(info.ppid, 1);
  assert.equal(info.pgid, 77);
  assert.equal(info.state, 'S');
  assert.equal(info.startTime, '22');
});

test('executables are resolved on the PATH the run gets, or relative to cwd', { skip: process.platform === 'win32' }, (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const bin = join(ws.root, 'venv', 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'accelerate'), '#!/bin/sh\n');
  writeFileSync(join(bin, 'notexec'), '');
  chmodSync(join(bin, 'accelerate'), 0o755);
  assert.equal(resolveExecutable('accelerate', ws.root, `/nonexistent:${bin}`), join(bin, 'accelerate'));
  assert.equal(resolveExecutable('notexec', ws.root, bin), undefined);
  assert.equal(resolveExecutable('venv/bin/accelerate', ws.root, ''), join(bin, 'accelerate'));
  const problems = preflight({ argv: ['accelerate', 'launch', 'train.py'], env: { PATH: bin }, cwd: ws.root, script: 'lora' });
  assert.deepEqual(
    problems.map((p) => p.code),
    ['script-missing'],
  );
});

test('a refused start reads as one sentence for one problem, a short list for several, and points at the setting to change', () => {
  const exe: PreflightProblem = {
    code: 'executable-missing',
    message:
      "executable 'accelerate' was not found on the PATH the run gets; check launch.accelerate / launch.python in the config or activate the Python environment",
  };
  const script: PreflightProblem = { code: 'script-missing', message: 'training script /w/train.py does not exist; check launch.scriptPath' };
  const one = new PreflightError([exe]).message;
  assert.equal(one, `Cannot start the run: ${exe.message}.`);
  assert.equal(one.match(/cannot start/gi)?.length, 1, one);
  assert.doesNotMatch(one, /\n|(^|\s)- /);
  const two = new PreflightError([exe, script]).message;
  assert.equal(two, `Cannot start the run (2 problems): 1) ${exe.message}; 2) ${script.message}.`);
  assert.equal(two.match(/cannot start/gi)?.length, 1, two);
  // A launcher named by path: its path once, not "'X' was not found at X".
  const byPath = preflight({ argv: ['/nonexistent/venv/bin/accelerate', 'launch', 'train.py'], env: {}, cwd: '/', script: 'lora' });
  assert.equal(
    byPath[0]!.message,
    'executable /nonexistent/venv/bin/accelerate does not exist; check launch.accelerate / launch.python in the config or activate the Python environment',
  );
  // A message that already ends a sentence gets no second stop.
  assert.equal(
    new PreflightError([{ code: 'cwd-missing', message: 'working folder /x is gone.' }]).message,
    'Cannot start the run: working folder /x is gone.',
  );

  // "Select Python Interpreter" only helps when launch.python decides the launcher; "Open Config" goes to the key.
  assert.equal(pythonChoiceHelps([exe]), true);
  assert.equal(pythonChoiceHelps([exe], { accelerate: '/venv/bin/accelerate' }), false);
  assert.equal(pythonChoiceHelps([script]), false);
  assert.equal(configPointerOf(exe), '/launch/python');
  assert.equal(configPointerOf(exe, { accelerate: 'acc' }), '/launch/accelerate');
  assert.equal(configPointerOf(script), '/launch/scriptPath');
  assert.equal(configPointerOf({ code: 'empty-argv', message: 'x' }), '/launch');
});

test('the follower reads a growing console in bounded pieces, reports truncation and deletion', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const { dir } = createRecord(ws.recordsDir, { name: 'f', script: 'lora', plan: base, createdAt: new Date().toISOString(), state: 'running' });
  const file = recordFiles(dir).console;
  const events: FollowEvent[] = [];
  let text = '';
  const f = followRun(dir, (s) => (text += s), { pollMs: 10, maxReadBytes: 5, onEvent: (e) => events.push(e) });
  return (async () => {
    appendFileSync(file, 'Steps: 1 █\r');
    await waitFor(() => text === 'Steps: 1 █\r', 'the first chunk');
    appendFileSync(file, 'Steps: 2 █▌\n');
    await waitFor(() => text.endsWith('Steps: 2 █▌\n'), 'the appended chunk');
    writeFileSync(file, 'new\n');
    await waitFor(() => events.some((e) => e.kind === 'truncated') && text.endsWith('new\n'), 'truncation');
    rmSync(file);
    const end = await f.done;
    assert.equal(end.reason, 'deleted');
    assert.match(events.at(-1)!.message, /console\.log was deleted/);
  })();
});

test('a follower of a finished run delivers everything and ends', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const { dir } = createRecord(ws.recordsDir, { name: 'f', script: 'lora', plan: base, createdAt: new Date().toISOString(), state: 'running' });
  writeFileSync(recordFiles(dir).console, 'x'.repeat(3000));
  updateRecord(dir, { state: 'succeeded' });
  let n = 0;
  return followRun(dir, (s) => (n += s.length), { maxReadBytes: 256 }).done.then((end) => {
    assert.deepEqual(end, { reason: 'ended', bytesRead: 3000 });
    assert.equal(n, 3000);
  });
});

test('resume starts a new run from the newest complete checkpoint the scanner reports', { skip: process.platform === 'win32' }, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath });
  const { record } = await sup.start(fakePlan(ws, ['--lines', '2']), { name: 'base run', configPath: '/w/a.sdxl.json' });
  await assert.rejects(
    sup.resume(record.id, () => 'checkpoint-1'),
    /stop it before resuming/,
  );
  await waitFor(() => readRecord(join(ws.recordsDir, record.id)).state === 'succeeded', 'the first run to end');
  const asked: string[] = [];
  await assert.rejects(
    sup.resume(record.id, (d) => (asked.push(d), undefined)),
    /no complete checkpoint in .*out to resume from/,
  );
  assert.deepEqual(asked, [join(ws.root, 'out')]);
  const resumed = await sup.resume(record.id, async () => ({ name: 'checkpoint-200' }));
  const argv = resumed.record.plan.argv;
  assert.deepEqual(argv.slice(argv.indexOf(argv.find((a) => a.endsWith('.py'))!) + 1, argv.indexOf(argv.find((a) => a.endsWith('.py'))!) + 3), [
    '--resume_from_checkpoint',
    'checkpoint-200',
  ]);
  assert.equal(resumed.record.resumedFrom, `${record.id}/checkpoint-200`);
  assert.equal(resumed.record.configPath, '/w/a.sdxl.json');
  assert.notEqual(resumed.record.id, record.id);
});
