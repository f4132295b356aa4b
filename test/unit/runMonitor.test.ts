// RunMonitor against real runs: the stand-in trainer (test/fixtures/trainer/standin_trainer.py) started through the
// Supervisor and its detached wrapper with the fake `accelerate`, followed live from its record folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { MONITOR_LOGGER, RunMonitor, readRunState, thumbPathOf } from '../../src/core/monitor/runMonitor';
import { seriesLength, seriesPoints } from '../../src/core/run/series';
import type { RunState } from '../../src/core/run/state';
import type { RunEvent } from '../../src/core/run/events';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { recordFiles } from '../../src/core/supervisor/runRecord';
import { waitFor, within, workspace, wrapperJs, type Workspace } from './supervisorTestKit';
import { NVIDIA_SMI, dataset, lora } from './standinRuns';

const unixOnly = { skip: process.platform === 'win32' ? 'the fake accelerate and wrapper use Unix process groups' : false, timeout: 60_000 };

async function supervisor(ws: Workspace): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath });
}

const comparable = (s: RunState) => ({
  state: s.state,
  step: s.step,
  totalSteps: s.totalSteps,
  epoch: s.epoch,
  script: s.script,
  trainLoss: seriesPoints(s.loss.train_loss),
  stepLoss: seriesPoints(s.loss.step_loss),
  lr: seriesPoints(s.lrSeries),
  checkpoints: s.checkpoints.map((c) => ({ step: c.step, complete: c.complete })),
  validation: s.validation.entries,
  exit: s.exit,
  failure: s.failure,
});

const monitorWarnings = (s: RunState) => s.logTail.filter((l) => l.logger === MONITOR_LOGGER).map((l) => l.message);

// Shared by the live test and the one-shot read of the same finished record.
let finished: { ws: Workspace; dir: string; cache: string; state: RunState } | undefined;

test('follows a live stand-in LoRA run to the end; a second monitor created mid-run ends with the same state', unixOnly, async () => {
  const ws = workspace();
  const cache = join(ws.root, 'image-cache');
  const data = await dataset(ws, 10);
  const sup = await supervisor(ws);
  // 0.3 s a step: the fake nvidia-smi is a Python script (two calls per GPU poll, most of a second each on a loaded
  // 2-core machine, seconds under CI load), and the run must live long enough for a poll to finish while it runs.
  const { dir } = await sup.start(
    lora(
      ws,
      data,
      [
        '--max_train_steps=30',
        '--checkpointing_steps=10',
        '--validation_prompt=a red square',
        '--num_validation_images=2',
        '--validation_epochs=1',
        '--report_to=tensorboard',
      ],
      { STANDIN_STEP_SECONDS: '0.3' },
    ),
  );

  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: cache, pollMs: 50, nvidiaSmi: NVIDIA_SMI, gpuPollMs: 100 });
  const steps = new Set<number>();
  const types = new Set<RunEvent['type']>();
  let batches = 0;
  monitor.onDidChange((s, events) => {
    batches++;
    assert.ok(events.length > 0, 'a change always carries events');
    for (const e of events) types.add(e.type);
    if (s.step !== null && s.state !== 'finished') steps.add(s.step);
  });
  monitor.start();
  monitor.start(); // idempotent
  await waitFor(() => (monitor.state.step ?? 0) >= 12 && !monitor.state.exit, 'the run to pass step 12', 30_000);
  // A window reload: a fresh monitor reads the same files from the start while the run goes on.
  const reload = new RunMonitor({ recordDir: dir, imageCacheDir: cache, pollMs: 50 });
  reload.start();
  const [a, b] = await within(Promise.all([monitor.whenEnded(), reload.whenEnded()]), 45_000, 'the run to end');

  assert.ok(steps.size >= 2, `saw the step grow while the run was live (${[...steps].join(', ')})`);
  assert.ok(batches >= 3);
  assert.equal(types.has('runInfo'), true);
  assert.equal(a.state, 'finished', JSON.stringify(a.failure));
  assert.deepEqual(a.exit, { code: 0, signal: null });
  assert.equal(a.script, 'lora');
  assert.equal(a.args?.num_validation_images, 2);
  assert.equal(a.outputDir, join(ws.root, 'out'));
  assert.equal(a.step, 30);
  assert.equal(a.totalSteps, 30);
  // train_loss is logged to TensorBoard once per step; step_loss comes from the (throttled) console bar.
  assert.deepEqual(
    seriesPoints(a.loss.train_loss).map((p) => p.step),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  assert.ok(seriesLength(a.loss.step_loss) >= 2);
  assert.equal(seriesPoints(a.loss.step_loss).at(-1)!.step, 30);
  assert.deepEqual(
    a.checkpoints.map((c) => [c.step, c.complete]),
    [
      [10, true],
      [20, true],
      [30, true],
    ],
  );
  assert.ok(
    a.checkpoints.every((c) => (c.sizeBytes ?? 0) > 0),
    'checkpoint sizes from the scan',
  );
  // Validation after each of the 3 epochs, then the final test images, 2 per grid.
  assert.deepEqual(
    a.validation.entries.map((v) => [v.tag, v.epoch]),
    [
      ['test', 2],
      ['validation', 0],
      ['validation', 1],
      ['validation', 2],
    ].sort((x, y) => Number(x[1]) - Number(y[1]) || String(x[0]).localeCompare(String(y[0]))),
  );
  for (const entry of a.validation.entries) {
    assert.equal(entry.images.length, 2);
    for (const img of entry.images) {
      assert.ok(img.ref.startsWith(cache), img.ref);
      assert.ok(existsSync(img.ref), `image ${img.ref}`);
      assert.ok(existsSync(thumbPathOf(img.ref)), `thumbnail of ${img.ref}`);
      assert.equal(img.width, 64);
      assert.equal((await sharp(img.ref).metadata()).width, 64);
    }
  }
  assert.notDeepEqual(a.validation.entries[0]!.images[0]!.ref, a.validation.entries[0]!.images[1]!.ref);
  assert.ok(a.gpu.samples.length >= 1, 'GPU samples while the run was live');
  assert.ok(
    a.gpu.samples.some((x) => x.gpus.some((g) => (g.memoryUsedMiB ?? 0) > 1000)),
    'the stand-in registered its GPU memory with the fake nvidia-smi',
  );
  assert.ok(
    a.gpu.samples.some((x) => (x.gpus[0]?.runMemoryMiB ?? 0) > 1000),
    "the run's own processes are found among nvidia-smi compute apps",
  );
  assert.equal(a.hang, null);
  assert.deepEqual(monitorWarnings(a), []);

  assert.deepEqual(comparable(b), comparable(a), 'the reloaded monitor has no gap');
  assert.equal(b.gpu.samples.length, 0, 'no GPU poller unless asked');
  finished = { ws, dir, cache, state: a };
});

test('readRunState rebuilds a finished run in one pass', unixOnly, async (t) => {
  if (!finished) return t.skip('needs the live run');
  const { ws, dir, cache, state } = finished;
  t.after(() => ws.cleanup());
  const s = await readRunState(dir, cache);
  assert.deepEqual(comparable(s), comparable(state));
  // Into an empty cache the images are extracted again.
  const fresh = await readRunState(dir, join(ws.root, 'other-cache'));
  assert.equal(fresh.validation.entries.length, state.validation.entries.length);
  assert.ok(fresh.validation.entries.every((v) => v.images.every((i) => existsSync(i.ref) && existsSync(thumbPathOf(i.ref)))));
});

test('a CUDA OOM run ends failed with the diagnosis and the console line of the error', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 4);
  const sup = await supervisor(ws);
  const { dir } = await sup.start(
    lora(ws, data, ['--max_train_steps=8', '--checkpointing_steps=100'], { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '3' }),
  );
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 50 });
  monitor.start();
  const s = await within(monitor.whenEnded(), 30_000, 'the failed run to end');
  assert.equal(s.state, 'failed');
  assert.equal(s.failure?.class, 'cuda_oom');
  assert.equal(s.exit?.code, 1);
  // Lines as VS Code's editor numbers them: each tqdm redraw after a lone \r is a line of its own.
  const lines = readFileSync(recordFiles(dir).console, 'utf8').split(/\r\n|\r|\n/);
  assert.ok(lines.filter((l) => /^Steps: /.test(l)).length >= 3, 'each bar redraw (0/8, 1/8, 2/8) is a line');
  const at = monitor.consoleLineOf('failure');
  assert.ok(at !== undefined);
  assert.match(lines[at - 1]!, /CUDA out of memory/);
  assert.equal(lines.findIndex((l) => /CUDA out of memory/.test(l)) + 1, at, 'the first such line: the exception itself');
  const stepLine = monitor.consoleLineOf(2);
  assert.ok(stepLine !== undefined);
  assert.match(lines[stepLine - 1]!, /Steps: .*\| 2\/8 /);
  // The same answers from a monitor reading the finished record.
  const again = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache') });
  await again.readOnce();
  assert.equal(again.consoleLineOf('failure'), at);
});

/** A record that says "running" with no process behind it: the monitor follows it until told otherwise. */
function fakeLiveRecord(ws: Workspace, consoleText: string): string {
  const dir = join(ws.recordsDir, '20250101-000000-fake');
  mkdirSync(dir, { recursive: true });
  const argv = ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--output_dir=out', '--max_train_steps=10'];
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      id: '20250101-000000-fake',
      name: 'fake',
      script: 'lora',
      state: 'running',
      createdAt: new Date().toISOString(),
      plan: { argv, env: {}, cwd: ws.root, script: 'lora' },
      outputDir: join(ws.root, 'out'),
    }),
  );
  writeFileSync(join(dir, 'console.log'), consoleText);
  return dir;
}

const bar = (n: number) =>
  `Steps: ${String(n * 10).padStart(3)}%|${'█'.repeat(n)}${' '.repeat(10 - n)}| ${n}/10 [00:0${n}<00:0${10 - n},  1.00it/s, lr=0.0001, step_loss=0.1${n}]\r`;

test('a record folder deleted while followed is reported, never thrown', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = fakeLiveRecord(ws, bar(1) + bar(2));
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 20 });
  monitor.start();
  await waitFor(() => monitor.state.step === 2, 'step 2');
  rmSync(dir, { recursive: true, force: true });
  const s = await within(monitor.whenEnded(), 10_000, 'the monitor to give up');
  assert.equal(s.step, 2, 'the state so far is kept');
  assert.ok(!s.exit);
  assert.match(monitorWarnings(s).join('\n'), /does not exist \(deleted\?\)/);
  // A record that never existed, one-shot: reported the same way.
  const none = await readRunState(join(ws.recordsDir, 'nope'), join(ws.root, 'cache'));
  assert.match(monitorWarnings(none).join('\n'), /does not exist/);
});

test('an output_dir deleted while followed gets one notice, and the run is still followed', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const out = join(ws.root, 'out');
  mkdirSync(join(out, 'checkpoint-2'), { recursive: true });
  writeFileSync(join(out, 'checkpoint-2', 'optimizer.bin'), 'x');
  const dir = fakeLiveRecord(ws, bar(1) + bar(2) + '01/01/2025 00:00:00 - INFO - __main__ - Saved state to out/checkpoint-2\n');
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 10 });
  monitor.start();
  t.after(() => monitor.stop());
  // Once a scan has seen output_dir (it gives the checkpoint its size on disk).
  await waitFor(() => monitor.state.checkpoints[0]?.sizeBytes !== undefined, 'checkpoint-2 scanned');
  const gone = () => monitorWarnings(monitor.state).filter((w) => w.includes(`output_dir ${out} does not exist any more`));
  rmSync(out, { recursive: true });
  await waitFor(() => gone().length === 1, 'a notice that output_dir is gone');
  await waitFor(() => monitor.state.checkpoints.length === 0, 'its checkpoint dropped');
  appendFileSync(join(dir, 'console.log'), bar(3));
  await waitFor(() => monitor.state.step === 3, 'step 3: still followed');
  assert.equal(gone().length, 1, 'said once');
  assert.equal(monitor.state.exit, null);
});

test('a stalled run gets one hang event; an exit.json appearing later ends it', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = fakeLiveRecord(ws, '');
  let offset = 0;
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 10, hangFactor: 20, now: () => Date.now() + offset });
  const hangs: RunEvent[] = [];
  monitor.onDidChange((_s, events) => hangs.push(...events.filter((e) => e.type === 'hang')));
  monitor.start();
  for (let n = 1; n <= 4; n++) {
    appendFileSync(join(dir, 'console.log'), bar(n));
    await waitFor(() => monitor.state.step === n, `step ${n} seen live`);
  }
  // Only steps seen live are timed (the first pass reads the backlog).
  assert.ok(monitor.state.progressTimes.length >= 3);
  assert.equal(hangs.length, 0);
  offset = 11 * 60_000; // no progress for 11 minutes (detectHang waits at least 10)
  await waitFor(() => hangs.length > 0, 'the hang event');
  // More output without progress: the next passes still see the hang, and do not report it again.
  const before = monitor.state.lastEventAt!;
  appendFileSync(join(dir, 'console.log'), '\n01/12/2025 10:00:00 - INFO - __main__ - still here\n');
  await waitFor(() => monitor.state.lastEventAt! > before, 'the log record');
  assert.equal(hangs.length, 1, 'reported once');
  assert.ok(monitor.state.hang && monitor.state.hang.sinceSec >= 600);
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: null, signal: 'SIGTERM', endedAt: new Date().toISOString(), stopRequested: true }));
  const s = await within(monitor.whenEnded(), 10_000, 'the end');
  assert.equal(s.state, 'stopped');
  assert.equal(s.stopRequested, true);
});

test("report_to wandb: validation images come from the run's wandb media folder", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 3);
  // An older wandb run in the same folder must not be taken for this one.
  const stale = join(ws.root, 'wandb', 'run-20200101_000000-oldrun01', 'files', 'media', 'images');
  mkdirSync(stale, { recursive: true });
  writeFileSync(
    join(stale, 'validation_3_0123456789abcdef0123.png'),
    await sharp({ create: { width: 64, height: 64, channels: 3, background: 'black' } })
      .png()
      .toBuffer(),
  );
  const sup = await supervisor(ws);
  const { dir } = await sup.start(
    lora(ws, data, ['--max_train_steps=6', '--checkpointing_steps=100', '--validation_prompt=a red square', '--num_validation_images=2', '--report_to=wandb']),
  );
  const cache = join(ws.root, 'cache');
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: cache, pollMs: 50 });
  monitor.start();
  const s = await within(monitor.whenEnded(), 30_000, 'the wandb run to end');
  assert.equal(s.state, 'finished');
  // 3 steps per epoch: validation after steps 3 and 6 (epochs 0 and 1), test images after the last step.
  assert.deepEqual(
    s.validation.entries.map((v) => [v.tag, v.epoch, v.images.length]),
    [
      ['validation', 0, 2],
      ['test', 1, 2],
      ['validation', 1, 2],
    ],
  );
  for (const img of s.validation.entries.flatMap((v) => v.images)) {
    assert.ok(img.ref.startsWith(cache) && existsSync(img.ref) && existsSync(thumbPathOf(img.ref)), img.ref);
  }
  assert.equal(s.epoch, 1);
  assert.deepEqual(s.warnings, [], 'no missing-tensorboard warning when reporting to wandb');
  const again = await readRunState(dir, cache);
  assert.deepEqual(again.validation.entries, s.validation.entries);
});

test('report_to tensorboard without the tensorboard package: a missing_package warning once the run ends', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 2);
  const sup = await supervisor(ws);
  const { dir } = await sup.start(lora(ws, data, ['--max_train_steps=2', '--checkpointing_steps=100'], { STANDIN_MISSING: 'tensorboard' }));
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 50 });
  monitor.start();
  const s = await within(monitor.whenEnded(), 30_000, 'the run to end');
  assert.equal(s.state, 'finished');
  assert.deepEqual(
    s.warnings.map((w) => [w.class, w.configKey]),
    [['missing_package', '/args/report_to']],
  );
  assert.equal(seriesLength(s.loss.train_loss), 0);
});

test('a CPU run (accelerate prints Device: cpu) is not warned that nvidia-smi is missing; a CUDA run still is', unixOnly, async (t) => {
  const head = (device: string) =>
    '11/29/2026 00:02:25 - INFO - __main__ - Distributed environment: DistributedType.NO\nNum processes: 1\n' +
    `Process index: 0\nLocal process index: 0\nDevice: ${device}\n\nMixed precision type: no\n\n`;
  const cpuWs = workspace();
  const gpuWs = workspace();
  t.after(async () => {
    await cpuWs.cleanup();
    await gpuWs.cleanup();
  });
  const missingSmi = join(cpuWs.root, 'no-such-nvidia-smi');
  const cpu = new RunMonitor({
    recordDir: fakeLiveRecord(cpuWs, head('cpu') + bar(1) + bar(2)),
    imageCacheDir: join(cpuWs.root, 'cache'),
    pollMs: 20,
    nvidiaSmi: missingSmi,
    gpuPollMs: 20,
  });
  const gpu = new RunMonitor({
    recordDir: fakeLiveRecord(gpuWs, head('cuda') + bar(1) + bar(2)),
    imageCacheDir: join(gpuWs.root, 'cache'),
    pollMs: 20,
    nvidiaSmi: missingSmi,
    gpuPollMs: 20,
  });
  t.after(() => {
    cpu.stop();
    gpu.stop();
  });
  cpu.start();
  gpu.start();
  await waitFor(() => monitorWarnings(gpu.state).some((m) => /No GPU stats/.test(m)), "the CUDA run's warning");
  await waitFor(() => cpu.state.step === 2, 'the CPU run followed');
  assert.equal(cpu.state.device, 'cpu');
  assert.deepEqual(monitorWarnings(cpu.state), [], 'nothing about nvidia-smi for a run on the CPU');
  assert.deepEqual(cpu.state.notices, []);
});

test('settings changed while a run is followed: nvidia-smi turned on (trust granted, path set) starts GPU samples', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const data = await dataset(ws, 4);
  const sup = await supervisor(ws);
  const { dir, record } = await sup.start(lora(ws, data, ['--max_train_steps=200'], { STANDIN_STEP_SECONDS: '0.2' }));
  // As in an untrusted workspace: nvidia-smi is not run.
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 50, nvidiaSmi: false, gpuPollMs: 100 });
  monitor.start();
  t.after(() => monitor.stop());
  await waitFor(() => (monitor.state.step ?? 0) >= 3, 'the first steps', 30_000);
  assert.equal(monitor.state.gpu.samples.length, 0, 'no GPU samples without nvidia-smi');
  monitor.updateOptions({ nvidiaSmi: NVIDIA_SMI, hangFactor: 3 });
  await waitFor(() => monitor.state.gpu.samples.length > 0, 'a GPU sample after nvidia-smi was turned on', 40_000);
  await sup.stop(record.id);
  await within(monitor.whenEnded(), 30_000, 'the run to end');
});
