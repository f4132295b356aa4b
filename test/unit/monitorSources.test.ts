// The monitor's parts shared with summarize and the rest of core: the source list and one-shot reads, the one
// run.json reader (launchFactsOf), the one nvidia-smi wrapper, and the launcher-line tests of run/failure.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { passSources } from '../../src/core/monitor/sources/index';
import type { RunSource, SourceContext } from '../../src/core/monitor/sources/types';
import { OneShotContext } from '../../src/core/monitor/oneShot';
import { launchFactsOf, readRecordFile } from '../../src/core/supervisor/runRecord';
import { cellNumber, csvRows, runNvidiaSmi } from '../../src/core/gpu/nvidiaSmi';
import { isChildExceptionLine, isLauncherExceptionLine, isLauncherFailureLine } from '../../src/core/run/failure';

function withTemp(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'srcs-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('a pass reads its sources in the listed order; the console source is the one asked for console lines', () => {
  const { console, all } = passSources({ imageCacheDir: '/tmp/none' });
  assert.deepEqual(
    all.map((s) => s.name),
    ['console', 'tensorboard', 'wandb', 'checkpoints', 'tracker', 'hang', 'clipScores'],
  );
  assert.equal(all[0], console);
});

test('a one-shot read polls every source until none has more, then takes their last words once; events go through the reducer', async () => {
  const calls: string[] = [];
  // A source that needs three passes (a read budget reached twice), then says its last words at the end.
  let left = 3;
  const steps: RunSource = {
    name: 'steps',
    async poll(ctx: SourceContext) {
      calls.push(`poll ${ctx.passes}`);
      ctx.emit({ type: 'progress', step: 4 - left, total: 10 });
      return --left > 0;
    },
    drain(ctx) {
      calls.push('drain');
      ctx.warn('once', 'a warning');
      ctx.warn('once', 'said once');
    },
  };
  const ctx = new OneShotContext({ imageCacheDir: '' }, {}, undefined);
  const s = await ctx.readAll([steps]);
  assert.deepEqual(calls, ['poll 1', 'poll 2', 'poll 3', 'drain']);
  assert.equal(s.step, 3);
  assert.equal(s.totalSteps, 10);
  assert.equal(s.notices.filter((n) => n.includes('a warning')).length, 1);
  assert.ok(!s.notices.some((n) => n.includes('said once')));
});

test('launchFactsOf: the one reading of run.json (script from the plan when the record lacks it, output_dir against cwd, typed args)', () => {
  const facts = launchFactsOf(
    {
      state: 'running',
      startedAt: '2024-01-02T03:04:05Z',
      pgid: 77,
      exitCode: 'x',
      note: 'n',
      gpus: { indices: [1, 'a', 3] },
      plan: {
        cwd: '/work',
        script: 'lora',
        env: { A: 'b', N: 3 },
        argv: ['accelerate', 'launch', '--num_processes', '2', 'train_text_to_image_lora_sdxl.py', '--output_dir', 'out', '--logging_dir=tb', '--rank', '8'],
      },
    },
    '/records/r7',
  );
  assert.equal(facts.id, 'r7');
  assert.equal(facts.script, 'lora');
  assert.equal(facts.outputDir, '/work/out');
  assert.deepEqual(facts.args, { output_dir: 'out', logging_dir: 'tb', rank: 8 });
  assert.deepEqual(facts.env, { A: 'b' });
  assert.deepEqual(facts.gpuIndices, [1, 3]);
  assert.equal(facts.numProcesses, 2);
  assert.equal(facts.startedMs, Date.parse('2024-01-02T03:04:05Z'));
  assert.equal(facts.pgid, 77);
  assert.equal(facts.exitCode, null);
  assert.equal(facts.note, 'n');
  // run.json's own outputDir wins; a record with nothing in it still gives an id and a cwd.
  assert.equal(launchFactsOf({ script: 'full', outputDir: '/abs/o', plan: { argv: [] } }, '/r/x').outputDir, '/abs/o');
  const bare = launchFactsOf({}, '/r/x');
  assert.deepEqual([bare.id, bare.cwd, bare.script, bare.startedMs, bare.args], ['x', '/r/x', undefined, undefined, {}]);
});

test(
  'readRecordFile never throws: missing, broken and non-object files say so by name',
  withTemp(async (dir) => {
    assert.deepEqual(await readRecordFile(join(dir, 'run.json')), { missing: true });
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    assert.match((await readRecordFile(join(dir, 'bad.json'))).error ?? '', /bad\.json: /);
    writeFileSync(join(dir, 'list.json'), '[1]');
    assert.equal((await readRecordFile(join(dir, 'list.json'))).error, `${join(dir, 'list.json')}: not a JSON object`);
    writeFileSync(join(dir, 'ok.json'), '{"id":"a"}');
    assert.deepEqual((await readRecordFile(join(dir, 'ok.json'))).value, { id: 'a' });
  }),
);

test(
  'the one nvidia-smi wrapper: missing, failing and hanging executables are errors, never throws; CSV cells parse leniently',
  withTemp(async (dir) => {
    assert.deepEqual(await runNvidiaSmi(['-L'], { exec: 'no-such-nvidia-smi-xyz' }), { ok: false, error: 'no-such-nvidia-smi-xyz was not found on PATH' });
    const fake = join(dir, 'nvidia-smi');
    writeFileSync(fake, '#!/bin/sh\necho "0, 1 MiB, [N/A]"\nif [ "$1" = fail ]; then echo "driver gone"; exit 9; fi\nif [ "$1" = hang ]; then sleep 5; fi\n', {
      mode: 0o755,
    });
    const ok = await runNvidiaSmi(['x'], { exec: fake });
    assert.ok(ok.ok);
    assert.deepEqual(csvRows(ok.ok ? ok.stdout : ''), [['0', ' 1 MiB', ' [N/A]']]);
    assert.deepEqual(await runNvidiaSmi(['fail'], { exec: fake }), { ok: false, error: `${fake} failed: 0, 1 MiB, [N/A]` });
    const started = Date.now();
    const hung = await runNvidiaSmi(['hang'], { exec: fake, timeoutMs: 300 });
    assert.equal(hung.ok, false);
    assert.ok(Date.now() - started < 4_000, 'the timeout ends the call');
    assert.deepEqual([cellNumber(' 1 MiB'), cellNumber('[N/A]'), cellNumber('98 %'), cellNumber(undefined)], [1, undefined, 98, undefined]);
  }),
);

test('launcher lines: one set of tests in run/failure.ts', () => {
  assert.equal(isLauncherExceptionLine('subprocess.CalledProcessError: Command … returned non-zero exit status 1.'), true);
  assert.equal(isLauncherExceptionLine('torch.OutOfMemoryError: CUDA out of memory.'), false);
  assert.equal(isChildExceptionLine('torch.OutOfMemoryError: CUDA out of memory.'), true);
  assert.equal(isChildExceptionLine('KeyboardInterrupt: '), false);
  assert.equal(isLauncherFailureLine('train.py: error: unrecognized arguments: --x'), true);
  assert.equal(isLauncherFailureLine('ValueError: bad'), false);
});
