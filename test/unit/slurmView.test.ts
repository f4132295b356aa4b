// A Slurm run in the editor (issue 15, part E): run.json's `slurm` read into RunState.slurm (a `slurm` event, emitted
// again only when Slurm's answer changed), the Runs view's row, tooltip and context value, Copy Slurm Job ID, and the
// texts the views share (core/view/slurmView.ts).
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_FILE, EXIT_FILE } from '../../src/core/supervisor/runRecord';
import { readRunState, RunMonitor } from '../../src/core/monitor/runMonitor';
import { slurmJobViewOf } from '../../src/core/monitor/sources/record';
import { reduceAll } from '../../src/core/run/reducer';
import { copyState, initialRunState, type RunState } from '../../src/core/run/state';
import { runRowKey } from '../../src/core/view/runRow';
import { RunDeltaTracker, statusView } from '../../src/core/view/dashboardModel';
import { checkHostMessage } from '../../src/shared/dashboardProtocol';
import { slurmJobOfRun, slurmRowDescription, slurmStateText, slurmSubmitTitle, slurmTooltipLines } from '../../src/core/view/slurmView';
import type { SlurmJobRecord } from '../../src/core/supervisor/slurmTypes';
import { exitOfSlurmJob } from '../../src/core/supervisor/slurmRuns';
import type * as RunsViewModule from '../../src/extension/views/runsView';
import type * as SlurmCommandsModule from '../../src/extension/runs/slurmCommands';
import type { RunsController } from '../../src/extension/runs/runsController';
import { loadWithVscode, resetUi, ui } from './generateTestKit';

const { RunsView } = loadWithVscode<typeof RunsViewModule>('../../src/extension/views/runsView');
const { slurmCommands } = loadWithVscode<typeof SlurmCommandsModule>('../../src/extension/runs/slurmCommands');

const ID = '20261129-120000-lora';

function record(slurm: SlurmJobRecord | undefined, state = 'starting', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: ID,
    name: 'lora',
    script: 'lora',
    plan: {
      argv: ['accelerate', 'launch', 'train_dreambooth_lora_sdxl.py'],
      env: {},
      cwd: '/ws',
      script: 'lora',
      profile: 'slurm',
      slurm: { partition: 'debug', nodes: 1, gpusPerNode: 0 },
    },
    createdAt: '2026-11-29T12:00:00.000Z',
    state,
    ...(slurm ? { slurm } : {}),
    ...extra,
  };
}

function recordDir(run: Record<string, unknown>): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sdxl-slurm-view-')), ID);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, RUN_FILE), JSON.stringify(run));
  writeFileSync(join(dir, 'console.log'), '');
  return dir;
}

const PENDING: SlurmJobRecord = {
  jobId: '42',
  script: 'job.sbatch',
  submittedAt: '2026-11-29T12:00:00.000Z',
  state: 'PENDING',
  reason: 'Resources',
  checkedAt: '2026-11-29T12:00:05.000Z',
};

test('run.json\'s slurm field becomes RunState.slurm, with the plan\'s partition; "None" reasons and bad fields are left out', async () => {
  assert.deepEqual(slurmJobViewOf(record(PENDING)), {
    jobId: '42',
    state: 'PENDING',
    reason: 'Resources',
    partition: 'debug',
    checkedAt: Date.parse('2026-11-29T12:00:05.000Z'),
  });
  assert.equal(slurmJobViewOf(record(undefined)), undefined);
  assert.equal(slurmJobViewOf({ ...record(undefined), slurm: { state: 'PENDING' } }), undefined, 'no job id: not trusted');
  assert.equal(slurmJobViewOf({ ...record(undefined), slurm: 'job 42' }), undefined);
  assert.equal(slurmJobViewOf(record({ ...PENDING, state: 'RUNNING', reason: 'None', nodes: 'node01' }))?.reason, undefined);

  // The monitor reads it from the record (readRunState: one pass from byte 0, as after a reload).
  const live = await readRunState(recordDir(record(PENDING)), join(tmpdir(), 'sdxl-slurm-images'));
  assert.equal(live.slurm?.jobId, '42');
  assert.equal(live.slurm?.reason, 'Resources');
  const local = await readRunState(recordDir(record(undefined)), join(tmpdir(), 'sdxl-slurm-images'));
  assert.equal(local.slurm, null);

  // An ended run with exit.json: the final word of Slurm still comes from run.json.
  const done = { ...PENDING, state: 'COMPLETED', nodes: 'node01' };
  const endedDir = recordDir(record(done, 'succeeded', { startedAt: '2026-11-29T12:00:10.000Z', endedAt: '2026-11-29T12:01:00.000Z', exitCode: 0 }));
  writeFileSync(join(endedDir, EXIT_FILE), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: '2026-11-29T12:01:00.000Z' }));
  const ended = await readRunState(endedDir, join(tmpdir(), 'sdxl-slurm-images'));
  assert.equal(ended.state, 'finished');
  assert.equal(ended.slurm?.state, 'COMPLETED');
  assert.equal(ended.slurm?.nodes, 'node01');
});

test('the slurm event sets RunState.slurm, copied with the state; a new answer replaces the old', () => {
  const s = reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'PENDING', reason: 'Priority' } }]);
  assert.deepEqual(s.slurm, { jobId: '42', state: 'PENDING', reason: 'Priority' });
  // Slurm's answer is no console output: a pending job's run is still queued, not starting.
  assert.equal(s.state, 'queued');
  assert.equal(copyState(s).slurm, s.slurm);
  assert.equal(initialRunState().slurm, null);
  assert.deepEqual(reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'RUNNING', nodes: 'node01' } }], s).slurm, {
    jobId: '42',
    state: 'RUNNING',
    nodes: 'node01',
  });
  // The row is redrawn when Slurm's answer changes, also when nothing else did.
  assert.notEqual(runRowKey(s), runRowKey(reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'PENDING', reason: 'Resources' } }])));
});

test('Slurm state texts: pending with its reason, running on its nodes, the usual outcome once ended', () => {
  assert.equal(slurmStateText({ jobId: '7', state: 'PENDING', reason: 'Resources' }), 'pending (Resources)');
  assert.equal(slurmStateText({ jobId: '7', state: 'PENDING' }), 'pending');
  assert.equal(slurmStateText({ jobId: '7', state: 'RUNNING', nodes: 'node01' }), 'running on node01');
  assert.equal(slurmStateText({ jobId: '7', state: 'COMPLETING', nodes: 'node[01-02]' }), 'completing on node[01-02]');
  assert.equal(slurmStateText({ jobId: '7', state: 'CANCELLED by 1000' }), 'cancelled');
  assert.equal(slurmStateText({ jobId: '7', state: 'TIMEOUT', reason: 'TimeLimit' }), 'timeout (TimeLimit)');

  const queued = initialRunState();
  assert.equal(slurmRowDescription({ jobId: '7', state: 'PENDING', reason: 'Resources' }, queued), 'Slurm 7 · pending (Resources)');
  assert.equal(slurmRowDescription({ jobId: '7', state: 'RUNNING', nodes: 'node01' }, queued), 'Slurm 7 · running on node01');
  const training: RunState = { ...initialRunState(), state: 'training', step: 3, totalSteps: 10 };
  assert.match(slurmRowDescription({ jobId: '7', state: 'RUNNING', nodes: 'node01' }, training), /^Slurm 7 · running on node01 · .*3\/10/);
  const finished: RunState = { ...initialRunState(), state: 'finished', step: 10, totalSteps: 10 };
  assert.match(slurmRowDescription({ jobId: '7', state: 'COMPLETED', nodes: 'node01' }, finished), /^Slurm 7 · finished at step 10/);

  const lines = slurmTooltipLines(
    { jobId: '7', cluster: 'c1', state: 'PENDING', reason: 'Priority', partition: 'gpu', nodes: 'node01', checkedAt: Date.parse('2026-11-29T12:00:00Z') },
    Date.parse('2026-11-29T12:00:15Z'),
  );
  assert.equal(lines[0], 'Slurm job 7 on cluster c1 · partition gpu · nodes node01');
  assert.match(lines[1]!, /^Slurm state: PENDING \(Priority\) · Slurm last answered .* \(00:15 ago\)$/);
  assert.match(slurmTooltipLines({ jobId: '7', state: 'PENDING' })[1]!, /has not answered/);

  // The record's job stands in until the monitor has read one.
  assert.equal(slurmJobOfRun({ slurm: PENDING, plan: { slurm: { partition: 'p' } } }, initialRunState())?.partition, 'p');
  assert.equal(slurmJobOfRun({}, initialRunState()), undefined);
});

interface FakeRun {
  id: string;
  entry: { record: Record<string, unknown> };
  state: RunState;
}

function fakeRuns(runs: FakeRun[]): RunsController {
  return {
    runs: () => runs,
    get: (id: string) => runs.find((r) => r.id === id),
    displayName: (id: string) => id,
    onDidChange: () => ({ dispose: () => undefined }),
  } as unknown as RunsController;
}

interface Item {
  description?: string;
  contextValue?: string;
  tooltip?: { value: string };
  iconPath?: { id: string };
}

beforeEach(() => resetUi(tmpdir()));

test("Runs view: a Slurm run's row says it is a Slurm job, its state the Slurm way, and its tooltip the job; a local run's row is unchanged", () => {
  // The record source gives the submit time as the start (runInfo); nothing has started while Slurm holds the job.
  const pending = reduceAll([
    { type: 'runInfo', args: {}, startedAt: Date.parse('2026-11-29T12:00:00Z') },
    { type: 'slurm', job: { jobId: '42', state: 'PENDING', reason: 'Resources', partition: 'debug', checkedAt: Date.now() } },
  ]);
  const running = reduceAll([
    { type: 'slurm', job: { jobId: '43', state: 'RUNNING', nodes: 'node01', partition: 'debug' } },
    { type: 'phase', phase: 'training' },
    { type: 'progress', step: 2, total: 4 },
  ]);
  const local = reduceAll([{ type: 'phase', phase: 'training' }]);
  const runs: FakeRun[] = [
    { id: 'a', entry: { record: { ...record(PENDING), id: 'a', createdAt: '2026-11-29T12:00:00Z' } }, state: pending },
    { id: 'b', entry: { record: { ...record(undefined), id: 'b', createdAt: '2026-11-29T12:00:01Z' } }, state: running },
    { id: 'c', entry: { record: { ...record(undefined), id: 'c', createdAt: '2026-11-29T12:00:02Z' } }, state: local },
  ];
  const view = new RunsView(fakeRuns(runs));
  const [a, b, c] = view.getChildren().map((n) => view.getTreeItem(n) as unknown as Item);
  assert.equal(a!.description, 'Slurm 42 · pending (Resources)');
  assert.equal(a!.contextValue, 'sdxlRun.queued.slurm');
  assert.equal(a!.iconPath?.id, 'watch');
  assert.match(a!.tooltip!.value, /Slurm job 42 · partition debug/);
  assert.match(a!.tooltip!.value, /Slurm state: PENDING \(Resources\) · Slurm last answered/);
  assert.doesNotMatch(a!.tooltip!.value, /queued|started|elapsed/, 'not "queued" (the local queue) nor a clock running since the submit');
  assert.match(a!.tooltip!.value, /lora · submitted /);
  assert.match(b!.description!, /^Slurm 43 · running on node01 · /);
  assert.equal(b!.contextValue, 'sdxlRun.live.slurm');
  assert.match(b!.tooltip!.value, /nodes node01/);
  assert.doesNotMatch(c!.description!, /Slurm/);
  assert.equal(c!.contextValue, 'sdxlRun.live');
  view.dispose();
});

test('package.json: Copy Slurm Job ID shows on Slurm rows only; Stop, Resume and the other row menus still match Slurm rows', async () => {
  const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as unknown as {
    contributes: { menus: Record<string, Array<{ command: string; when?: string }>> };
  };
  const rows = pkg.contributes.menus['view/item/context']!;
  const matches = (command: string, value: string) =>
    rows
      .filter((m) => m.command === command)
      .some((m) => {
        const when = m.when ?? '';
        const eq = /viewItem == (\S+)/.exec(when);
        if (eq) return eq[1] === value;
        const re = /viewItem =~ \/(.+?)\/(?: |$)/.exec(when);
        return re ? new RegExp(re[1]!).test(value) : false;
      });
  assert.ok(matches('sdxl.copySlurmJobId', 'sdxlRun.live.slurm'));
  assert.ok(matches('sdxl.copySlurmJobId', 'sdxlRun.ended.slurm'));
  assert.ok(!matches('sdxl.copySlurmJobId', 'sdxlRun.live'));
  for (const v of ['sdxlRun.live.slurm', 'sdxlRun.queued.slurm', 'sdxlRun.live', 'sdxlRun.queued']) assert.ok(matches('sdxl.stopRun', v), v);
  for (const v of ['sdxlRun.ended.slurm', 'sdxlRun.ended']) {
    assert.ok(matches('sdxl.resumeRun', v), v);
    assert.ok(matches('sdxl.deleteRunRecord', v), v);
    assert.ok(!matches('sdxl.stopRun', v), v);
  }
});

test('Copy Slurm Job ID copies the job id of a Slurm run; a local run gets a warning and nothing is copied', async () => {
  const slurm = reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'RUNNING', nodes: 'node01' } }]);
  const runs = fakeRuns([
    { id: 'a', entry: { record: record(PENDING) }, state: slurm },
    { id: 'b', entry: { record: record(undefined) }, state: initialRunState() },
  ]);
  const copy = slurmCommands(runs)['sdxl.copySlurmJobId'] as (arg?: unknown) => Promise<boolean>;
  assert.equal(await copy({ kind: 'run', id: 'a' }), true);
  assert.deepEqual(ui.clipboard, ['42']);
  assert.match(ui.statusBar[0]!, /Copied Slurm job id 42/);
  assert.equal(await copy('b'), false);
  assert.deepEqual(ui.clipboard, ['42']);
  assert.match(ui.messages.at(-1)!.text, /run b is not a Slurm job/);
  // From the palette: only Slurm runs are offered, so the one is taken without asking.
  assert.equal(await copy(), true);
  assert.deepEqual(ui.clipboard, ['42', '42']);
});

test('dashboard: the status carries the Slurm job while pending, running and once ended, and passes the message check', () => {
  const pending = reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'PENDING', reason: 'Resources' } }]);
  assert.deepEqual(statusView(pending).slurm, { jobId: '42', state: 'PENDING', text: 'pending (Resources)', pending: true, reason: 'Resources' });
  const running = reduceAll([{ type: 'slurm', job: { jobId: '42', state: 'RUNNING', nodes: 'node01' } }], pending);
  assert.deepEqual(statusView(running).slurm, { jobId: '42', state: 'RUNNING', text: 'running on node01', pending: false, nodes: 'node01' });
  const tracker = new RunDeltaTracker();
  const meta = { id: 'r', label: 'r', simulated: false, imageUri: () => undefined };
  const full = tracker.full(pending, meta);
  assert.equal(checkHostMessage({ type: 'runData', run: full }), undefined);
  const d = tracker.delta(running, meta);
  assert.equal(d?.status?.slurm?.text, 'running on node01');
  assert.equal(checkHostMessage(d), undefined);
  assert.match(checkHostMessage({ ...d, status: { outcome: 'running', slurm: { jobId: '', state: 'X', text: 'x', pending: false } } }) ?? '', /slurm\.jobId/);
  const ended = reduceAll(
    [
      { type: 'slurm', job: { jobId: '42', state: 'COMPLETED', nodes: 'node01' } },
      { type: 'exit', code: 0, signal: null },
    ],
    running,
  );
  assert.deepEqual(statusView(ended).slurm, { jobId: '42', state: 'COMPLETED', text: 'completed', pending: false, nodes: 'node01' });
  assert.equal(statusView(initialRunState()).slurm, undefined);
});

test('Start of a slurm config is titled "Submit to Slurm" with where it goes; any other profile gets no such title', () => {
  const base = { script: 'lora' as const, args: {} };
  assert.equal(slurmSubmitTitle({ ...base, launch: { profile: 'slurm' } }), 'Submit to Slurm (1 node × 1 GPU)');
  assert.equal(
    slurmSubmitTitle({ ...base, launch: { profile: 'slurm', slurm: { partition: 'gpu', nodes: 2, gpusPerNode: 4 } } }),
    'Submit to Slurm (partition gpu, 2 nodes × 4 GPUs)',
  );
  assert.equal(slurmSubmitTitle({ ...base, launch: { profile: 'slurm', slurm: { nodes: -1 } } }), 'Submit to Slurm', 'a bad setting leaves the details out');
  assert.equal(slurmSubmitTitle({ ...base, launch: { profile: 'local' } }), undefined);
  assert.equal(slurmSubmitTitle(base), undefined);
  assert.equal(slurmSubmitTitle({ ...base, launch: { profile: 'slurmm' as never } }), undefined);
});

test('a cancelled Slurm job (scancel: ExitCode=0:15) ends the run stopped, not finished', () => {
  const at = new Date('2026-11-29T18:00:10Z');
  const exit = exitOfSlurmJob({ jobId: '25', state: 'CANCELLED', exitCode: 0, signal: 15, endTime: '2026-11-29T18:00:05Z' }, 'stopped', true, at);
  assert.equal(exit.exitCode, null, 'no exit code of the training');
  assert.equal(exit.stopRequested, true);
  const s = reduceAll([{ type: 'stopRequested' }, { type: 'phase', phase: 'training' }, { type: 'exit', code: exit.exitCode, signal: exit.signal }]);
  assert.equal(s.state, 'stopped');
  // A completed job keeps its code 0: finished.
  assert.equal(exitOfSlurmJob({ jobId: '26', state: 'COMPLETED', exitCode: 0, signal: 0 }, 'succeeded', false, at).exitCode, 0);
});

test("a followed Slurm run's clock moves to the job's StartTime once it runs, as a reload shows it (not the submit time)", async () => {
  const submitted = '2026-11-29T12:00:00.000Z';
  const ran = '2026-11-29T12:05:00.000Z';
  const dir = recordDir(record(PENDING, 'starting', { startedAt: submitted }));
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(tmpdir(), 'sdxl-slurm-images'), nvidiaSmi: false });
  assert.equal((await monitor.readOnce()).timing.startedAt, Date.parse(submitted), 'pending: the submit time');
  writeFileSync(join(dir, RUN_FILE), JSON.stringify(record({ ...PENDING, state: 'RUNNING', nodes: 'node01' }, 'running', { startedAt: ran })));
  assert.equal((await monitor.readOnce()).timing.startedAt, Date.parse(ran), 'running: Slurm StartTime');
  // Ended: the same start and end as a fresh read of the folder (a reload).
  const ended = '2026-11-29T12:06:00.000Z';
  writeFileSync(
    join(dir, RUN_FILE),
    JSON.stringify(record({ ...PENDING, state: 'COMPLETED', nodes: 'node01' }, 'succeeded', { startedAt: ran, endedAt: ended, exitCode: 0 })),
  );
  writeFileSync(join(dir, EXIT_FILE), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: ended }));
  const live = await monitor.readOnce();
  const reload = await readRunState(dir, join(tmpdir(), 'sdxl-slurm-images'));
  assert.deepEqual([live.timing.startedAt, live.timing.endedAt], [Date.parse(ran), Date.parse(ended)]);
  assert.deepEqual([reload.timing.startedAt, reload.timing.endedAt], [live.timing.startedAt, live.timing.endedAt]);
});
