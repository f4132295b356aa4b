import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizePath } from '../../src/core/monitor/summarize';
import { argsFromArgv } from '../../src/core/launch/planArgs';
import { readRunState } from '../../src/core/monitor/runMonitor';
import { seriesPoints } from '../../src/core/run/series';
import { py } from './tfeventsPy';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

const FIX = join(__dirname, '..', 'fixtures', 'console');
const EXPECTED = JSON.parse(readFileSync(join(FIX, 'expected-summaries.json'), 'utf8')) as Record<string, Record<string, unknown>>;
const KEYS = ['script', 'state', 'step', 'totalSteps', 'epoch', 'totalEpochs', 'stepLoss', 'lr', 'checkpoints', 'failure', 'clip', 'time'];

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => '', cwd };
  return { cli, out, err };
}

function withTemp(fn: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summ-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('golden console samples summarize as recorded in expected-summaries.json', async () => {
  const files = [...readdirSync(FIX).filter((f) => f.endsWith('.log')), ...readdirSync(join(FIX, 'failures')).map((f) => `failures/${f}`)];
  assert.deepEqual(files.sort(), Object.keys(EXPECTED).sort(), 'every sample has an expectation');
  for (const f of files) {
    const { summary, source } = await summarizePath(join(FIX, f));
    assert.equal(source, 'console');
    assert.deepEqual(summary, EXPECTED[f], f);
    if (f.startsWith('failures/'))
      assert.equal(
        summary.failure?.class,
        f
          .slice('failures/'.length)
          .replace(/\.log$/, '')
          .replace(/^missing_.*/, 'missing_package'),
        f,
      );
  }
});

test('CLI: `summarize PATH --json` prints exactly the summary keys in order', async () => {
  const { cli, out } = io(FIX);
  assert.equal(await main(['summarize', 'failures/cuda_oom.log', '--json'], cli), 0);
  const parsed = JSON.parse(out.join(''));
  assert.deepEqual(Object.keys(parsed), KEYS);
  assert.deepEqual(Object.keys(parsed.failure), ['class', 'message', 'remedy', 'configKey']);
  const text = io(FIX);
  assert.equal(await main(['summarize', 'full.log'], text.cli), 0);
  assert.match(text.out.join(''), /step: +1000 \/ 1000/);
  // Speed from the step times (the bar's elapsed here: a console log alone has no wall clock).
  assert.match(text.out.join(''), /^speed: +3\.21 s\/it average, 3\.21 s\/it recent/m);
  const oom = io(FIX);
  assert.equal(await main(['summarize', 'failures/cuda_oom.log'], oom.cli), 0);
  assert.match(oom.out.join(''), /^failure: +Out of GPU memory \(cuda_oom\): .*CUDA out of memory/m);
  const missing = io(FIX);
  assert.equal(await main(['summarize', 'nope.log', '--json'], missing.cli), 1);
  assert.match(missing.err.join(''), /nope\.log: no such file or folder/);
  assert.equal(await main(['summarize', '--bogus', 'x'], io(FIX).cli), 2);
  assert.equal(await main(['summarize'], io(FIX).cli), 2);
});

test(
  'partial logs (cut anywhere, even mid-UTF-8) never throw and never claim success',
  withTemp(async (dir) => {
    const bytes = readFileSync(join(FIX, 'full.log'));
    for (const cut of [1, 700, 1501, 2222, 3000, 4100, bytes.length - 3]) {
      for (const [from, to] of [
        [0, cut],
        [cut, bytes.length],
      ]) {
        const p = join(dir, `part-${from}-${to}.log`);
        writeFileSync(p, bytes.subarray(from, to));
        const { summary } = await summarizePath(p);
        assert.notEqual(summary.state, 'succeeded');
        if (summary.step !== null) assert.ok(summary.step >= 0 && summary.step <= 1000);
      }
    }
  }),
);

test(
  'run record folder: run.json + exit.json + output_dir checkpoints',
  withTemp(async (dir) => {
    const rec = join(dir, 'runs', 'r1');
    const out = join(dir, 'work', 'out');
    mkdirSync(rec, { recursive: true });
    for (const [step, complete] of [
      [500, true],
      [1000, false],
    ] as const) {
      const c = join(out, `checkpoint-${step}`);
      mkdirSync(join(c, 'unet'), { recursive: true });
      writeFileSync(join(c, 'unet', 'config.json'), '{}');
      writeFileSync(join(c, 'unet', 'diffusion_pytorch_model.safetensors'), 'w');
      if (complete) for (const f of ['optimizer.bin', 'scheduler.bin', 'random_states_0.pkl']) writeFileSync(join(c, f), 'x');
    }
    // A folder this run's console never announced: another run's, not listed as this run's.
    mkdirSync(join(out, 'checkpoint-1500'));
    // The console of a run killed while saving checkpoint-1000: no `Saved state` for it.
    const log = readFileSync(join(FIX, 'full.log'), 'utf8');
    writeFileSync(join(rec, 'console.log'), log.slice(0, log.indexOf('Configuration saved in sdxl-out/checkpoint-1000')));
    writeFileSync(
      join(rec, 'run.json'),
      JSON.stringify({
        id: 'r1',
        script: 'full',
        state: 'failed',
        exitCode: null,
        signal: 'SIGKILL',
        plan: {
          cwd: join(dir, 'work'),
          script: 'full',
          env: {},
          argv: [
            'accelerate',
            'launch',
            'train_text_to_image_sdxl.py',
            '--output_dir',
            'out',
            '--train_batch_size=4',
            '--gradient_checkpointing',
            '--dataloader_num_workers',
            '2',
          ],
        },
      }),
    );
    const r = await summarizePath(rec);
    assert.equal(r.source, 'record');
    assert.equal(r.summary.state, 'failed');
    assert.equal(r.summary.script, 'full');
    assert.deepEqual(r.summary.checkpoints, [
      { step: 500, complete: true },
      { step: 1000, complete: false },
    ]);
    assert.equal(r.summary.failure!.class, 'host_oom_killed');
    assert.deepEqual(r.state.failure!.fix!.edits, [{ op: 'set', path: '/args/dataloader_num_workers', value: 0 }]);
    // A stop requested by the user is a stop, whatever the signal.
    writeFileSync(join(rec, 'exit.json'), JSON.stringify({ exitCode: null, signal: 'SIGTERM', endedAt: 'x', stopRequested: true }));
    writeFileSync(
      join(rec, 'run.json'),
      JSON.stringify({ id: 'r1', script: 'full', state: 'stopped', plan: { cwd: join(dir, 'work'), argv: [] }, outputDir: out }),
    );
    const stopped = await summarizePath(rec);
    assert.equal(stopped.summary.state, 'stopped');
    assert.equal(stopped.summary.failure, null);
    // Succeeded, but report_to tensorboard left no logs dir: tensorboard is not installed.
    writeFileSync(join(rec, 'console.log'), log);
    rmSync(join(rec, 'exit.json'));
    writeFileSync(
      join(rec, 'run.json'),
      JSON.stringify({ id: 'r1', script: 'full', state: 'succeeded', exitCode: 0, plan: { cwd: dir, argv: [] }, outputDir: out }),
    );
    const ok = await summarizePath(rec);
    assert.equal(ok.summary.state, 'succeeded');
    assert.equal(ok.summary.failure!.class, 'missing_package');
    assert.equal(ok.summary.failure!.configKey, '/args/report_to');
    mkdirSync(join(out, 'logs'));
    assert.equal((await summarizePath(rec)).summary.failure, null);
  }),
);

test(
  'a run record whose logging_dir is custom (relative or absolute): summarize reads its event files where the monitor does',
  withTemp(async (dir) => {
    const lossAt = (s: Awaited<ReturnType<typeof summarizePath>>['state']) => seriesPoints(s.loss.train_loss).map((p) => [p.step, p.value]);
    for (const [name, loggingDir] of [
      ['relative', 'tb'],
      ['absolute', join(dir, 'elsewhere', 'tb')],
    ] as const) {
      const rec = join(dir, name, 'runs', 'r1');
      const work = join(dir, name, 'work');
      const logs = loggingDir.startsWith('/') ? loggingDir : join(work, 'out', loggingDir);
      mkdirSync(rec, { recursive: true });
      mkdirSync(join(work, 'out'), { recursive: true });
      py(
        `
w = t.EventWriter(os.path.join(sys.argv[1], "text2image-fine-tune"))
for s in (1, 2, 3): w.add_scalar("train_loss", s / 4, s, wall_time=50 + s)
w.close()`,
        [logs],
      );
      writeFileSync(join(rec, 'console.log'), '');
      const runJson = (state: string) =>
        JSON.stringify({
          id: 'r1',
          script: 'lora',
          state,
          exitCode: state === 'succeeded' ? 0 : null,
          plan: {
            cwd: work,
            script: 'lora',
            env: {},
            argv: [
              'accelerate',
              'launch',
              'train_text_to_image_lora_sdxl.py',
              '--output_dir',
              'out',
              '--logging_dir',
              loggingDir,
              '--report_to',
              'tensorboard',
            ],
          },
        });
      writeFileSync(join(rec, 'run.json'), runJson('succeeded'));
      const summary = await summarizePath(rec);
      assert.deepEqual(
        lossAt(summary.state),
        [
          [1, 0.25],
          [2, 0.5],
          [3, 0.75],
        ],
        name,
      );
      assert.equal(summary.summary.script, 'lora', `${name}: the tracker project under the custom logs dir names the script`);
      const monitored = await readRunState(rec, join(dir, name, 'cache'));
      assert.deepEqual(lossAt(summary.state), lossAt(monitored), `${name}: summarize and the monitor read the same events`);
      assert.equal(summary.summary.failure, null, `${name}: the logs dir exists, so tensorboard was installed`);
      // With no logs dir where logging_dir says, both say tensorboard is missing (summarize skipped the check before).
      rmSync(logs, { recursive: true, force: true });
      writeFileSync(join(rec, 'console.log'), readFileSync(join(FIX, 'lora.log'), 'utf8'));
      const missing = await summarizePath(rec);
      assert.equal(missing.summary.failure?.class, 'missing_package', name);
      const monitoredMissing = await readRunState(rec, join(dir, name, 'cache2'));
      assert.equal((monitoredMissing.failure ?? monitoredMissing.warnings[0])?.class, 'missing_package', name);
    }
  }),
);

test(
  'a record whose run.json names its script only in the plan: summarize reads logging_dir and output_dir as the monitor does (one reader)',
  withTemp(async (dir) => {
    const lossAt = (s: Awaited<ReturnType<typeof summarizePath>>['state']) => seriesPoints(s.loss.train_loss).map((p) => [p.step, p.value]);
    const rec = join(dir, 'runs', 'r1');
    const work = join(dir, 'work');
    mkdirSync(rec, { recursive: true });
    mkdirSync(join(work, 'out'), { recursive: true });
    py(
      `
w = t.EventWriter(os.path.join(sys.argv[1], "text2image-fine-tune"))
for s in (1, 2): w.add_scalar("train_loss", s / 2, s, wall_time=50 + s)
w.close()`,
      [join(work, 'out', 'tb')],
    );
    writeFileSync(join(rec, 'console.log'), '');
    writeFileSync(
      join(rec, 'run.json'),
      JSON.stringify({
        id: 'r1',
        state: 'succeeded',
        exitCode: 0,
        plan: {
          cwd: work,
          script: 'lora',
          env: {},
          argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--output_dir', 'out', '--logging_dir', 'tb', '--report_to', 'tensorboard'],
        },
      }),
    );
    const monitored = await readRunState(rec, join(dir, 'cache'));
    assert.deepEqual(
      lossAt(monitored),
      [
        [1, 0.5],
        [2, 1],
      ],
      'the monitor reads <output_dir>/tb',
    );
    const summary = await summarizePath(rec);
    assert.deepEqual(lossAt(summary.state), lossAt(monitored), 'summarize reads the same events');
    assert.equal(summary.summary.failure, null, 'the logs dir is where logging_dir says: tensorboard was installed');
  }),
);

test(
  'output_dir alone and unreadable run.json',
  withTemp(async (dir) => {
    const out = join(dir, 'out');
    mkdirSync(join(out, 'checkpoint-3'), { recursive: true });
    for (const f of ['optimizer.bin', 'scheduler.bin', 'random_states_0.pkl', 'pytorch_lora_weights.safetensors'])
      writeFileSync(join(out, 'checkpoint-3', f), 'x');
    const r = await summarizePath(out);
    assert.equal(r.source, 'outputDir');
    assert.equal(r.summary.state, 'unknown');
    assert.deepEqual(r.summary.checkpoints, [{ step: 3, complete: true }]);
    const rec = join(dir, 'rec');
    mkdirSync(rec);
    copyFileSync(join(FIX, 'lora.log'), join(rec, 'console.log'));
    writeFileSync(join(rec, 'run.json'), '{ not json');
    const bad = await summarizePath(rec);
    assert.equal(bad.summary.script, 'lora');
    assert.equal(bad.summary.state, 'running');
    assert.match(bad.notes.join('\n'), /run\.json/);
  }),
);

test('args from a launch argv are typed by the script table', () => {
  assert.deepEqual(
    argsFromArgv(
      [
        'accelerate',
        'launch',
        '--num_processes',
        '2',
        'x/train_text_to_image_lora_sdxl.py',
        '--rank',
        '8',
        '--learning_rate=1e-4',
        '--gradient_checkpointing',
        '--output_dir',
        'o',
        '--unknown',
        '3',
      ],
      'lora',
    ),
    { rank: 8, learning_rate: 1e-4, gradient_checkpointing: true, output_dir: 'o' },
  );
});

test('a record folder with run.json but no console yet (a Slurm job pending) is summarized from its record, not as an output_dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-pending-'));
  try {
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({
        id: 'p',
        name: 'p',
        script: 'lora',
        state: 'starting',
        createdAt: '2026-11-29T12:00:00Z',
        plan: { argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--max_train_steps', '4'], env: {}, cwd: dir, script: 'lora' },
        slurm: { jobId: '7', script: join(dir, 'job.sbatch'), submittedAt: '2026-11-29T12:00:00Z', state: 'PENDING', reason: 'Resources' },
      }),
    );
    const r = await summarizePath(dir);
    assert.equal(r.source, 'record');
    assert.equal(r.summary.script, 'lora');
    assert.notEqual(r.summary.state, 'unknown');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
