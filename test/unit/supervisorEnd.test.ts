// How a run's end is decided when what normally records it is missing: the wrapper killed before it wrote exit.json
// (the training may still finish, every checkpoint and the final weights written), or a run.json that cannot be read.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RunMonitor, readRunState } from '../../src/core/monitor/runMonitor';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { createRecord, listRuns, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { outcomeWithoutExit, UNKNOWN_EXIT_FAILED, UNKNOWN_EXIT_SUCCEEDED } from '../../src/core/supervisor/unknownExit';
import { runDescription } from '../../src/core/view/runRow';
import { summarizePath } from '../../src/core/monitor/summarize';
import { dataset, lora } from './standinRuns';
import { fakePlan, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false, timeout: 90_000 };

async function supervisor(ws: Workspace): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath });
}

const bar = (step: number, total: number) =>
  `Steps: ${Math.round((100 * step) / total)}%|█| ${step}/${total} [00:01<00:00, 9.00it/s, lr=0.0001, step_loss=0.1]\n`;

test('without exit.json: succeeded only with the last step on the console AND the final weights in output_dir', (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const consolePath = join(ws.root, 'console.log');
  const out = join(ws.root, 'out');
  mkdirSync(out);
  const decide = (script: 'lora' | 'full' | 'dreambooth-lora', stopRequested = false) =>
    outcomeWithoutExit({ consolePath, outputDir: 'out', cwd: ws.root, script, stopRequested });

  writeFileSync(consolePath, bar(59, 60));
  writeFileSync(join(out, 'pytorch_lora_weights.safetensors'), 'w');
  assert.deepEqual(decide('lora'), { state: 'failed', note: UNKNOWN_EXIT_FAILED }, 'weights (a checkpoint-style save) but not the last step');
  writeFileSync(consolePath, bar(59, 60) + bar(60, 60) + 'Validation done\n');
  assert.deepEqual(decide('lora'), { state: 'succeeded', note: UNKNOWN_EXIT_SUCCEEDED });
  assert.deepEqual(decide('dreambooth-lora'), { state: 'succeeded', note: UNKNOWN_EXIT_SUCCEEDED });
  assert.equal(decide('full').state, 'failed', 'the full fine-tune writes model_index.json');
  writeFileSync(join(out, 'model_index.json'), '{}');
  assert.equal(decide('full').state, 'succeeded');
  assert.equal(decide('lora', true).state, 'stopped', 'a requested stop stays a stop');
  assert.equal(outcomeWithoutExit({ consolePath, stopRequested: false, script: 'lora' }).state, 'failed', 'no output_dir known');
  assert.equal(outcomeWithoutExit({ consolePath: join(ws.root, 'none.log'), outputDir: out, script: 'lora', stopRequested: false }).state, 'failed');
});

test(
  'the wrapper SIGKILLed mid-run, the training runs on to its last step: succeeded, exit status unknown (monitor and reconcile agree)',
  unixOnly,
  async (t) => {
    const ws = workspace();
    t.after(() => ws.cleanup());
    const data = await dataset(ws, 4);
    const sup = await supervisor(ws);
    const { dir, record } = await sup.start(lora(ws, data, ['--max_train_steps=40', '--checkpointing_steps=20']));
    // Followed live, as the extension does, before anything settles the record.
    const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 20 });
    monitor.start();
    t.after(() => monitor.stop());
    await waitFor(() => (monitor.state.step ?? 0) >= 2, 'the first steps', 30_000);
    process.kill(record.wrapperPid!, 'SIGKILL');
    await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to die');
    assert.ok(await isAlive(record), 'the training goes on without its wrapper');
    await waitFor(async () => !(await isAlive(record)), 'the training to finish', 60_000);
    assert.ok(!existsSync(recordFiles(dir).exit), 'nobody recorded the exit');
    assert.ok(existsSync(join(ws.root, 'out', 'pytorch_lora_weights.safetensors')), 'the final weights were written');

    // The monitor's timers do not hold the process open: awaited by polling.
    await waitFor(() => monitor.state.exit !== null, 'the monitor to see the end', 15_000);
    const live = await monitor.whenEnded();
    assert.equal(live.state, 'finished', JSON.stringify(live.failure));
    assert.equal(live.step, 40);
    assert.ok(live.notices.includes(UNKNOWN_EXIT_SUCCEEDED), live.notices.join(' | '));

    const settled = (await sup.get(record.id)).record;
    assert.equal(settled.state, 'succeeded');
    assert.equal(settled.exitCode, null, 'the exit code itself stays unknown');
    assert.equal(settled.note, UNKNOWN_EXIT_SUCCEEDED);
    assert.equal(readRecord(dir).state, 'succeeded', 'written to run.json');
    // A reload (a fresh monitor on the settled record) and the CLI's summary say the same.
    const again = await readRunState(dir, join(ws.root, 'cache2'));
    assert.equal(again.state, 'finished');
    assert.ok(again.notices.includes(UNKNOWN_EXIT_SUCCEEDED), again.notices.join(' | '));
    const summary = await summarizePath(dir);
    assert.equal(summary.summary.state, 'succeeded');
    assert.ok(summary.notes.some((n) => n.includes(UNKNOWN_EXIT_SUCCEEDED)));
  },
);

test('a corrupt run.json still lists its run, as "record unreadable", its state from exit.json or the console', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  // A finished run, then its run.json corrupted.
  const ended = await sup.start(fakePlan(ws, ['--lines', '2']), { name: 'ended' });
  await waitFor(async () => readRecord(ended.dir).state === 'succeeded' && !(await isWrapperAlive(readRecord(ended.dir))), 'the run to end');
  writeFileSync(recordFiles(ended.dir).run, '{"id": "x", "state": ');
  // A run whose console still grows, with no exit.json; and one whose console stopped an hour ago.
  const mk = (name: string) =>
    createRecord(ws.recordsDir, { name, script: 'lora', plan: fakePlan(ws, []), createdAt: new Date().toISOString(), state: 'running' });
  const growing = mk('growing');
  writeFileSync(recordFiles(growing.dir).console, bar(3, 10));
  writeFileSync(recordFiles(growing.dir).run, 'not json');
  const silent = mk('silent');
  writeFileSync(recordFiles(silent.dir).console, bar(3, 10));
  writeFileSync(recordFiles(silent.dir).run, '[]');
  const hourAgo = new Date(Date.now() - 3600_000);
  utimesSync(recordFiles(silent.dir).console, hourAgo, hourAgo);
  // An empty folder is a record being created, not a run.
  mkdirSync(join(ws.recordsDir, '20990101-000000-being-made'));
  const corrupt = readFileSync(recordFiles(ended.dir).run, 'utf8');

  const problems: string[] = [];
  const entries = await sup.list(problems);
  const byId = new Map(entries.map((e) => [e.record.id, e]));
  assert.deepEqual([...byId.keys()].sort(), [ended.record.id, growing.record.id, silent.record.id].sort());
  assert.equal(problems.length, 4, problems.join('\n'));
  const e = byId.get(ended.record.id)!;
  assert.match(e.unreadable ?? '', /run\.json is not valid JSON/);
  assert.equal(e.record.state, 'succeeded', 'from exit.json');
  assert.equal(byId.get(growing.record.id)!.record.state, 'running', 'its console still grows');
  const s = byId.get(silent.record.id)!;
  assert.equal(s.record.state, 'failed');
  assert.match(s.record.note ?? '', /^record unreadable: .*"id" must be a non-empty string; exit status unknown$/);
  assert.equal(readFileSync(recordFiles(ended.dir).run, 'utf8'), corrupt, 'never rewritten');
  assert.deepEqual(
    listRuns(ws.recordsDir)
      .map((x) => x.record.id)
      .sort(),
    [...byId.keys()].sort(),
  );

  // The Runs view's row, from the monitor's state of each.
  const endedState = await readRunState(ended.dir, join(ws.root, 'cache'));
  assert.equal(endedState.state, 'finished');
  assert.match(runDescription(e, endedState), /^record unreadable · finished/);
  const silentState = await readRunState(silent.dir, join(ws.root, 'cache'));
  assert.equal(silentState.state, 'failed');
  assert.match(runDescription(s, silentState), /^record unreadable · failed/);
  const growingState = await readRunState(growing.dir, join(ws.root, 'cache'));
  assert.equal(growingState.state, 'training', 'live while its console grows');
  assert.match(runDescription(byId.get(growing.record.id)!, growingState), /^record unreadable · 3\/10 · /);
});
