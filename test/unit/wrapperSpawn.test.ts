// Plans the OS cannot start (issue 8, item 6): spawn() throws synchronously on a NUL character. The wrapper records
// why (exit.json, run.json, console.log) instead of dying with an empty console, so Start returns at once.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { launchWrapper } from '../../src/core/supervisor/launcher';
import { createRecord, readExit, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { unspawnableReason } from '../../src/core/supervisor/spawnCheck';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { runWrapper } from '../../src/core/supervisor/wrapperMain';
import { fakePlan, workspace, wrapperJs } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'the fake trainer and process groups are Unix-only' : false };
const consoleText = (dir: string) => (existsSync(recordFiles(dir).console) ? readFileSync(recordFiles(dir).console, 'utf8') : '');

test('why a plan cannot be spawned, in words that quote no value', () => {
  const plan = { argv: ['accelerate', 'launch', 'x.py', '--hub_token', 'hf_secret\u0000'], env: {}, cwd: '/w', script: 'lora' as const };
  assert.equal(unspawnableReason(plan), 'argument 4 (--hub_token) contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a', 'launch', '--x=\u0000'] }), 'argument 2 (--x) contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a\u0000'] }), 'the program path contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a'], cwd: '/\u0000' }), 'the working folder path contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a'], env: { HF_TOKEN: 'x\u0000' } }), 'environment variable HF_TOKEN contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a'], env: { 'A\u0000': 'x' } }), 'the name of environment variable "A\\u0000" contains a NUL character');
  assert.equal(unspawnableReason({ ...plan, argv: ['a', 'b'] }), undefined);
});

test('the wrapper records a plan with a NUL character as a run that could not start', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  for (const [plan, why] of [
    [fakePlan(ws, ['--validation_prompt', 'a\u0000b']), /cannot start: argument \d+ \(--validation_prompt\) contains a NUL character/],
    [fakePlan(ws, [], { HF_HOME: '\u0000' }), /cannot start: environment variable HF_HOME contains a NUL character/],
  ] as const) {
    const { dir } = createRecord(ws.recordsDir, { name: 'nul', script: 'lora', plan, createdAt: new Date().toISOString(), state: 'starting' });
    assert.equal(await runWrapper(dir, { pump: false }), 0);
    assert.match(readExit(dir)!.error!, why);
    const record = readRecord(dir);
    assert.equal(record.state, 'failed');
    assert.match(record.note ?? '', why, 'run.json says why');
    assert.match(consoleText(dir), new RegExp(`\\[sdxl-trainer\\] ${why.source}`), 'the console says why');
  }
});

test('Start of a plan with a NUL character returns at once with the failure recorded (no 20 s wait)', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, startTimeoutMs: 60_000 });
  const started = Date.now();
  const entry = await sup.start(fakePlan(ws, ['--validation_prompt', 'x\u0000']));
  // Well before the 60 s start timeout (the bound is loose: a loaded 2-core CI machine takes seconds to start node).
  assert.ok(Date.now() - started < 40_000, `returned after ${Date.now() - started} ms`);
  assert.equal(entry.record.state, 'failed');
  assert.match(entry.record.note ?? '', /argument \d+ \(--validation_prompt\) contains a NUL character/);
  assert.doesNotMatch(entry.record.note ?? '', /killed/);
});

test("a wrapper spawn that throws is reported as the child's error event, and Start records it", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const child = launchWrapper({ execPath: process.execPath, wrapperScript: '/no\u0000where.js' }, ws.root);
  const error = await new Promise<Error>((res) => child.once('error', res));
  assert.match(error.message, /null bytes/);
  const sup = new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: '/no\u0000where.js', execPath: process.execPath, startTimeoutMs: 60_000 });
  const started = Date.now();
  const entry = await sup.start(fakePlan(ws, []));
  assert.ok(Date.now() - started < 15_000);
  assert.equal(entry.record.state, 'failed');
  assert.match(entry.record.note ?? '', /could not run: .*null bytes/);
  assert.ok(existsSync(join(ws.recordsDir, entry.record.id, 'run.json')));
});
