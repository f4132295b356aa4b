// Run ownership, the pure parts: which folder a run may write, what a new folder is called, which event files and
// checkpoints are a run's own, and which checkpoint a resume may use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimOutputDir, lineageOf, nextFreeOutputDir, pickResumeCheckpoint, withOutputDir } from '../../src/core/supervisor/ownership';
import { isOwnEventFile } from '../../src/core/worker/eventAttribution';
import { outputDirOf } from '../../src/core/launch/planArgs';
import { initialRunState, patchState, type RunState } from '../../src/core/run/state';
import type { RunEntry } from '../../src/core/supervisor/runRecord';
import type { LaunchPlan, RunRecord, RunStatus } from '../../src/core/supervisor/types';

function withTemp(fn: (dir: string) => Promise<void> | void) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdxl-own-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const plan = (cwd: string, out?: string): LaunchPlan => ({
  argv: [
    'accelerate',
    'launch',
    '--num_processes=1',
    'train_dreambooth_lora_sdxl.py',
    '--instance_prompt=x',
    ...(out ? ['--output_dir', out] : []),
    '--seed=1',
  ],
  env: {},
  cwd,
  script: 'dreambooth-lora',
});

function entry(id: string, outputDir: string, state: RunStatus, extra: Partial<RunRecord> = {}): RunEntry {
  return {
    dir: `/records/${id}`,
    record: {
      id,
      name: `name-${id}`,
      script: 'dreambooth-lora',
      plan: plan('/w', outputDir),
      outputDir,
      createdAt: `2026-01-01T00:00:0${id.length}Z`,
      state,
      ...extra,
    },
  };
}

/** A complete dreambooth-lora checkpoint folder. */
function checkpoint(out: string, step: number, complete = true): void {
  const dir = join(out, `checkpoint-${step}`);
  mkdirSync(dir, { recursive: true });
  for (const f of ['optimizer.bin', 'scheduler.bin', complete ? 'random_states_0.pkl' : '', 'pytorch_lora_weights.safetensors'].filter(Boolean))
    writeFileSync(join(dir, f), 'x');
}

/** A stopped run's state whose console said it saved `steps` (and began saving `saving`, never finished). */
const withCheckpoints = (steps: number[], saving: number[] = []): RunState =>
  patchState(initialRunState(), {
    state: 'stopped',
    checkpoints: [
      ...steps.map((step) => ({ step, path: `checkpoint-${step}`, complete: true })),
      ...saving.map((step) => ({ step, path: `checkpoint-${step}`, complete: false })),
    ],
  });

test(
  'claimOutputDir: free when empty or missing; names what the folder holds and the newest run that wrote it',
  withTemp((dir) => {
    const out = join(dir, 'out');
    assert.deepEqual(claimOutputDir(out, []), { kind: 'free' });
    mkdirSync(out);
    writeFileSync(join(out, 'README.md'), 'x');
    assert.deepEqual(claimOutputDir(out, []), { kind: 'free' });
    checkpoint(out, 10);
    checkpoint(out, 20);
    mkdirSync(join(out, 'logs', 'dreambooth-lora-sd-xl'), { recursive: true });
    writeFileSync(join(out, 'logs', 'dreambooth-lora-sd-xl', 'events.out.tfevents.1700000000.host.42.0'), '');
    writeFileSync(join(out, 'pytorch_lora_weights.safetensors'), 'x');
    const runs = [entry('a', out, 'stopped'), entry('bb', out, 'succeeded'), entry('ccc', join(dir, 'other'), 'failed')];
    assert.deepEqual(claimOutputDir(out, runs), {
      kind: 'taken',
      byRunId: 'bb',
      byRunName: 'name-bb',
      what: ['2 checkpoints (checkpoint-10 … checkpoint-20)', 'final weights (pytorch_lora_weights.safetensors)', 'TensorBoard event files'],
    });
    // Files no recorded run wrote are still somebody's.
    assert.deepEqual(claimOutputDir(out, [runs[2]!]), {
      kind: 'taken',
      what: ['2 checkpoints (checkpoint-10 … checkpoint-20)', 'final weights (pytorch_lora_weights.safetensors)', 'TensorBoard event files'],
    });
  }),
);

test(
  'claimOutputDir: a queued or running run owns its folder before it has written anything',
  withTemp((dir) => {
    const out = join(dir, 'out');
    for (const state of ['queued', 'starting', 'running'] as const) {
      assert.deepEqual(claimOutputDir(out, [entry('a', out, state)]), { kind: 'taken', byRunId: 'a', byRunName: 'name-a', live: true, what: [] });
    }
  }),
);

test(
  "nextFreeOutputDir: <output_dir>-N as the plan writes it, past existing folders and other runs' folders",
  withTemp((dir) => {
    const p = plan(dir, 'out/');
    mkdirSync(join(dir, 'out'));
    mkdirSync(join(dir, 'out-2'));
    assert.deepEqual(nextFreeOutputDir(p, [entry('a', join(dir, 'out-3'), 'queued')]), { text: 'out-4', dir: join(dir, 'out-4') });
    // No --output_dir: the script's default folder.
    assert.deepEqual(nextFreeOutputDir(plan(dir)), { text: 'lora-dreambooth-model-2', dir: join(dir, 'lora-dreambooth-model-2') });
    const abs = plan(dir, join(dir, 'abs'));
    assert.equal(nextFreeOutputDir(abs).text, join(dir, 'abs-2'));
  }),
);

test('withOutputDir replaces or adds --output_dir after the script only', () => {
  const p = plan('/w', 'out');
  const q = withOutputDir(p, 'out-2');
  assert.deepEqual(q.argv.slice(3), ['train_dreambooth_lora_sdxl.py', '--instance_prompt=x', '--output_dir=out-2', '--seed=1']);
  assert.equal(outputDirOf(q), '/w/out-2');
  assert.deepEqual(p.argv.slice(-3), ['--output_dir', 'out', '--seed=1'], 'the original plan is not touched');
  assert.deepEqual(withOutputDir({ ...p, argv: [...p.argv.slice(0, 4), '--output_dir=a', '--output_dir', 'b'] }, 'c').argv.slice(4), ['--output_dir=c']);
  assert.deepEqual(withOutputDir(plan('/w'), '-odd').argv.slice(4), ['--output_dir=-odd', '--instance_prompt=x', '--seed=1']);
});

test('lineageOf follows continues links and stops at cycles and missing records', () => {
  const runs = [
    entry('a', '/o', 'stopped'),
    entry('b', '/o', 'stopped', { continues: 'a' }),
    entry('c', '/o', 'stopped', { continues: 'b' }),
    entry('x', '/o', 'stopped', { continues: 'y' }),
    entry('y', '/o', 'stopped', { continues: 'x' }),
  ];
  assert.deepEqual(
    lineageOf('c', runs).map((e) => e.record.id),
    ['c', 'b', 'a'],
  );
  assert.deepEqual(
    lineageOf('x', runs).map((e) => e.record.id),
    ['x', 'y'],
  );
  assert.deepEqual(lineageOf('gone', runs), []);
});

test(
  "pickResumeCheckpoint: only the lineage's own checkpoints, on disk and complete",
  withTemp(async (dir) => {
    const out = join(dir, 'out');
    // a saved 10 and 20 and stopped; b (a fresh start in the same folder) saved 30 and 400; c continues a.
    for (const s of [10, 20, 30, 400]) checkpoint(out, s);
    checkpoint(out, 25, false);
    const runs = [entry('a', out, 'stopped'), entry('b', out, 'succeeded'), entry('c', out, 'stopped', { continues: 'a' })];
    const states: Record<string, RunState> = { a: withCheckpoints([10, 20], [25]), b: withCheckpoints([30, 400]), c: withCheckpoints([]) };
    const stateOf = (id: string) => states[id];
    assert.deepEqual(await pickResumeCheckpoint({ runId: 'a', runs, stateOf }), { name: 'checkpoint-20', step: 20, ownerId: 'a', outputDir: out });
    assert.deepEqual(await pickResumeCheckpoint({ runId: 'c', runs, stateOf }), { name: 'checkpoint-20', step: 20, ownerId: 'a', outputDir: out });
    assert.equal((await pickResumeCheckpoint({ runId: 'b', runs, stateOf })).name, 'checkpoint-400');
    await assert.rejects(
      pickResumeCheckpoint({ runId: 'a', runs, stateOf, want: 'checkpoint-400' }),
      /checkpoint-400 in .* was not saved by run a; nothing was started/,
    );
    await assert.rejects(pickResumeCheckpoint({ runId: 'a', runs, stateOf, want: 'checkpoint-25' }), /checkpoint-25 in .* is incomplete/);
    await assert.rejects(
      pickResumeCheckpoint({ runId: 'a', runs, stateOf, want: 'checkpoint-5' }),
      /run a has no checkpoint-5 in .*\(its complete ones are checkpoint-10, checkpoint-20\); nothing was started/,
    );
    await assert.rejects(pickResumeCheckpoint({ runId: 'a', runs, stateOf, want: 'latest' }), /'latest' is not a checkpoint name/);
    // Deleted on disk since the state was read: never offered.
    rmSync(join(out, 'checkpoint-20'), { recursive: true });
    assert.equal((await pickResumeCheckpoint({ runId: 'a', runs, stateOf })).name, 'checkpoint-10');
    await assert.rejects(
      pickResumeCheckpoint({ runId: 'a', runs, stateOf, want: 'checkpoint-20' }),
      /checkpoint-20 no longer exists in .*\(removed by checkpoints_total_limit or by hand; its complete ones are checkpoint-10\); nothing was started/,
    );
    rmSync(join(out, 'checkpoint-10'), { recursive: true });
    await assert.rejects(pickResumeCheckpoint({ runId: 'a', runs, stateOf }), /run a has no complete checkpoint of its own left in .*out to resume from/);
  }),
);

test("isOwnEventFile: the writer started within the run's lifetime, and while it lives in the run's process group", () => {
  const f = (secs: number, pid = 42) => `/o/logs/p/events.out.tfevents.${secs}.my.host.name.${pid}.0`;
  const window = { startMs: 1_700_000_000_500, endMs: 1_700_000_100_000 };
  assert.equal(isOwnEventFile(f(1_700_000_000), window), true, "the name's seconds are floored");
  assert.equal(isOwnEventFile(f(1_699_999_998), window), false, "an earlier run's file");
  assert.equal(isOwnEventFile(f(1_700_000_101), window), false, "a later run's file");
  assert.equal(isOwnEventFile('/o/logs/p/hparams.yml', window), false);
  const live = { startMs: 1_700_000_000_000, pgid: 7 };
  assert.equal(isOwnEventFile(f(1_800_000_000), live), true, 'no end yet');
  assert.equal(
    isOwnEventFile(f(1_800_000_000, 42), live, (pid) => (pid === 42 ? 8 : undefined)),
    false,
    'a live writer of another process group',
  );
  assert.equal(
    isOwnEventFile(f(1_800_000_000, 42), live, (pid) => (pid === 42 ? 7 : undefined)),
    true,
  );
  assert.equal(
    isOwnEventFile(f(1_800_000_000, 43), live, () => undefined),
    true,
    'a writer gone: the time decides',
  );
});

test(
  "isOwnEventFile: a file named in the second the run ended in is judged by its first record's exact time",
  withTemp((dir) => {
    const secs = 1_700_000_100;
    const file = join(dir, `events.out.tfevents.${secs}.host.42.0`);
    // TFRecord framing (length, CRC: not checked here), then Event{wall_time = secs + 0.7}.
    const record = Buffer.alloc(21);
    record.writeBigUInt64LE(9n, 0);
    record[12] = 0x09;
    record.writeDoubleLE(secs + 0.7, 13);
    writeFileSync(file, record);
    assert.equal(isOwnEventFile(file, { startMs: 0, endMs: secs * 1000 + 500 }), false, "started 0.2 s after the run ended: the next run's");
    assert.equal(isOwnEventFile(file, { startMs: 0, endMs: secs * 1000 + 900 }), true, 'started before the run ended');
    writeFileSync(file, Buffer.alloc(3));
    assert.equal(isOwnEventFile(file, { startMs: 0, endMs: secs * 1000 + 500 }), true, 'no first record yet: the name decides');
  }),
);
