// Which failed run's diagnosis each config shows in Problems, from the runs' current states: the same after a window
// reload (each run reduced again from its files in one pass) as while the runs were followed live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import type { RunEvent } from '../../src/core/run/events';
import { initialRunState, type RunState } from '../../src/core/run/state';
import { diagnosedRunsOf, failuresByConfig, runFailureDiagnostic, type RunOfConfig } from '../../src/core/view/runFailures';

const OOM = 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.';

function oomRun(): RunEvent[] {
  return [
    { type: 'runInfo', script: 'lora', args: { train_batch_size: 2 } },
    { type: 'phase', phase: 'training' },
    { type: 'progress', step: 25, total: 100 },
    { type: 'traceback', traceback: { lines: ['Traceback (most recent call last):', OOM], exception: OOM } },
    { type: 'exit', code: 1, signal: null },
  ];
}

const finished = (): RunState =>
  reduceAll([
    { type: 'phase', phase: 'training' },
    { type: 'exit', code: 0, signal: null },
  ]);
const run = (id: string, config: string | undefined, createdAt: string, state: RunState): RunOfConfig => ({ id, config, createdAt, state });

test('each config shows the diagnosis of its newest failed, ended run; runs without a config or a diagnosis show none', () => {
  // A reload reduces each run from its files in one pass; live, event by event: the states, and so Problems, agree.
  const reloaded = reduceAll(oomRun());
  const live = oomRun().reduce(reduce, initialRunState());
  assert.equal(reloaded.state, 'failed');
  assert.equal(reloaded.failure?.class, 'cuda_oom');
  const notEnded = reduceAll(oomRun().slice(0, -1));
  const runs = [
    run('old', 'file:///w/a.sdxl.json', '2026-01-01T10:00:00Z', reloaded),
    run('new', 'file:///w/a.sdxl.json', '2026-01-01T11:00:00Z', live),
    run('ok-later', 'file:///w/a.sdxl.json', '2026-01-01T12:00:00Z', finished()),
    run('running', 'file:///w/b.sdxl.json', '2026-01-01T10:00:00Z', notEnded),
    run('no-config', undefined, '2026-01-01T10:00:00Z', reloaded),
    run('fine', 'file:///w/c.sdxl.json', '2026-01-01T10:00:00Z', finished()),
  ];
  const shown = failuresByConfig(runs, new Set());
  assert.deepEqual([...shown.keys()], ['file:///w/a.sdxl.json']);
  assert.equal(shown.get('file:///w/a.sdxl.json')!.runId, 'new', 'the newer failure replaces the older one');
  assert.equal(shown.get('file:///w/a.sdxl.json')!.failure.class, 'cuda_oom');
  // The order the runs are listed in does not matter.
  assert.deepEqual(failuresByConfig([...runs].reverse(), new Set()), shown);
});

test("an edit of the config dismisses all its runs' diagnoses (no older one shows instead); a later failure shows again", () => {
  const failed = reduceAll(oomRun());
  const runs = [
    run('r1', 'file:///w/a.sdxl.json', '2026-01-01T10:00:00Z', failed),
    run('r2', 'file:///w/a.sdxl.json', '2026-01-01T11:00:00Z', failed),
    run('r3', 'file:///w/b.sdxl.json', '2026-01-01T11:00:00Z', failed),
    run('r4', 'file:///w/a.sdxl.json', '2026-01-01T12:00:00Z', finished()),
  ];
  const dismissed = new Set(diagnosedRunsOf(runs, 'file:///w/a.sdxl.json'));
  assert.deepEqual([...dismissed].sort(), ['r1', 'r2']);
  const shown = failuresByConfig(runs, dismissed);
  assert.deepEqual([...shown.keys()], ['file:///w/b.sdxl.json']);
  runs.push(run('r5', 'file:///w/a.sdxl.json', '2026-01-01T13:00:00Z', failed));
  assert.equal(failuresByConfig(runs, dismissed).get('file:///w/a.sdxl.json')?.runId, 'r5');
});

test('the Problems entry sits on the config key the diagnosis names, with its quick fix; else at the top', () => {
  const failure = reduceAll(oomRun()).failure!;
  assert.equal(failure.configKey, '/args/gradient_checkpointing');
  const text = '{\n  // a comment\n  "args": {\n    "train_batch_size": 2,\n    "gradient_checkpointing": false\n  }\n}\n';
  const d = runFailureDiagnostic({ runId: 'r1', failure }, text);
  assert.equal(d.severity, 'error');
  assert.equal(d.code, 'run-cuda_oom');
  assert.match(d.message, /^Run r1 failed \(Out of GPU memory\): .*CUDA out of memory.* The GPU ran out of memory/);
  assert.equal(text.slice(d.offset, d.offset + d.length), '"gradient_checkpointing"');
  assert.deepEqual([d.line, d.column], [5, 5]);
  assert.equal(d.fix?.title, 'Enable gradient checkpointing');
  // The key is not in the file: the nearest enclosing object that is.
  const absent = runFailureDiagnostic({ runId: 'r1', failure }, '{ "args": { "train_batch_size": 2 } }');
  assert.equal(absent.path, '/args/gradient_checkpointing');
  assert.ok(absent.length > 0);
  const noKey = runFailureDiagnostic({ runId: 'r1', failure: { class: 'other', message: 'm', remedy: 'r' } }, text);
  assert.deepEqual([noKey.offset, noKey.length, noKey.line, noKey.column, noKey.fix], [0, 0, 1, 1, undefined]);
});

test("the real run's missing instance_data_dir: its Problems entry sits on instance_data_dir in the config, not at line 1", () => {
  const log = readFileSync(join(__dirname, '..', 'fixtures', 'real-v0.27.2', 'missing-instance-data-dir.log'));
  const s = reduceAll([
    { type: 'runInfo', script: 'dreambooth-lora', args: { instance_data_dir: 'no-such-instance-folder' } },
    ...parseConsole(log),
    { type: 'exit', code: 1, signal: null },
  ]);
  assert.equal(s.failure?.class, 'dataset_columns');
  const text =
    '{\n  "script": "dreambooth-lora",\n  "args": {\n    "pretrained_model_name_or_path": "tiny/model",\n    "instance_data_dir": "no-such-instance-folder"\n  }\n}\n';
  const d = runFailureDiagnostic({ runId: 'r1', failure: s.failure! }, text);
  assert.equal(text.slice(d.offset, d.offset + d.length), '"instance_data_dir"');
  assert.equal(d.line, 5);
  assert.match(d.message, /Instance images root doesn't exists\./);
  assert.match(d.message, /\(no-such-instance-folder\) does not exist/);
});
