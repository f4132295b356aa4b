// Fault 7 of issue 8's fault suite: a full disk, a real one: a 4 MiB tmpfs mounted for the test (root only; skipped
// with the reason printed where mount fails). (a) output_dir on it, filled while the run trains: the next checkpoint
// save gets a real ENOSPC, the run fails with the disk-full diagnosis in every view. (b) The whole workspace on it
// (records and console.log too) and a run that fills it with console output: the outcome is still recorded, the
// record stays valid JSON, nothing hangs, no process is left. Unmounted in `after`, also on failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { recordFiles } from '../../src/core/supervisor/runRecord';
import { ReliabilityLog } from '../reliabilityReport';
import {
  dataset,
  describe,
  disagreements,
  ended,
  follow,
  lora,
  repoRoot,
  runProcessCount,
  supervisor,
  unixOnly,
  views,
  waitFor,
  workspace,
  type Workspace,
} from './faultKit';

const log = new ReliabilityLog('disk-full', 'fault');
after(() => log.write());

interface Disk {
  dir: string;
  /** Fills what is left of it with one file. */
  fill(): void;
}

/** A 4 MiB tmpfs at a new folder, unmounted and removed after the test; a string (why) when it cannot be mounted. */
function smallDisk(t: { after(fn: () => void): void }, at?: string): Disk | string {
  const dir = at ?? mkdtempSync(join(tmpdir(), 'sdxl-disk-'));
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}): needs root and mount(8)`;
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    fill() {
      // Fails with ENOSPC once it is full; what was written stays.
      spawnSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=64k'], { encoding: 'utf8' });
    },
  };
}

test(
  'fault 7a: output_dir on a disk that fills up while the run trains: failed, the disk-full diagnosis, the last complete checkpoint offered',
  unixOnly(90_000),
  async (t) => {
    const ws = workspace();
    t.after(() => ws.cleanup());
    const disk = smallDisk(t);
    if (typeof disk === 'string') {
      process.stdout.write(`# skipped: ${disk}\n`);
      log.check('output_dir on a full disk', true, `skipped: ${disk}`);
      return t.skip(disk);
    }
    const data = await dataset(ws, 4);
    const sup = await supervisor(ws);
    const out = join(disk.dir, 'out');
    const plan = lora(ws, data, ['--max_train_steps=40', '--checkpointing_steps=10'], { STANDIN_STEP_SECONDS: '0.15' });
    plan.argv = plan.argv.map((a) => (a === '--output_dir=out' ? `--output_dir=${out}` : a));
    const { dir, record } = await sup.start(plan);
    const monitor = follow(t, ws, dir);
    await waitFor(() => monitor.state.checkpoints.some((c) => c.step === 10 && c.complete), 'checkpoint-10', 60_000);
    disk.fill();
    const state = await ended(monitor);
    await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to end');
    const v = await views(ws, sup, record.id, monitor);
    const bad = disagreements(v, {
      state: 'failed',
      step: 20,
      resume: 'checkpoint-10',
      checkpoints: [
        { step: 10, complete: true },
        { step: 20, complete: false },
      ],
    });
    if (state.failure?.class !== 'disk_full') bad.push(`monitor failure: ${state.failure?.class} (${state.failure?.message})`);
    if (v.summary.failure?.class !== 'disk_full') bad.push(`summarize failure: ${v.summary.failure?.class}`);
    log.verdict('output_dir on a disk that fills up', describe(v), bad, describe(v));
  },
);

test(
  "fault 7b: the whole workspace on a 4 MiB disk, filled by the run's own console: the outcome kept, the record valid, nothing hangs",
  unixOnly(90_000),
  async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'sdxl-diskws-'));
    // `after` hooks run in the order they are added: processes killed first, then the unmount, then the folder.
    const recordsDir = join(base, 'ws', '.sdxl', 'runs');
    const killer = Object.assign(workspace(), { recordsDir });
    t.after(() => killer.cleanup());
    const disk = smallDisk(t, join(base, 'ws'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    if (typeof disk === 'string') {
      process.stdout.write(`# skipped: ${disk}\n`);
      log.check('the workspace on a full disk', true, `skipped: ${disk}`);
      return t.skip(disk);
    }
    // A workspace whose every file (records, console.log, output_dir) is on the small disk.
    const ws: Workspace = { root: disk.dir, recordsDir, cleanup: async () => undefined };
    const sup = await supervisor(ws);
    const t0 = Date.now();
    const { dir, record } = await sup.start({
      argv: ['python3', join(repoRoot, 'test', 'fixtures', 'console-flood.py'), '--output_dir', join(disk.dir, 'out')],
      env: { FLOOD_SECONDS: '2', FLOOD_MB_PER_SEC: '20' },
      cwd: disk.dir,
      script: 'lora',
    });
    const monitor = follow(t, ws, dir);
    const state = await ended(monitor, 60_000);
    await waitFor(async () => !(await isWrapperAlive(record)) && !(await isAlive(record)), 'the run to end', 30_000);
    const seconds = (Date.now() - t0) / 1000;
    const bad: string[] = [];
    let recorded: Record<string, unknown> = {};
    try {
      recorded = JSON.parse(readFileSync(recordFiles(dir).run, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      bad.push(`run.json is not valid JSON: ${String(e)}`);
    }
    const v = await views(ws, sup, record.id, monitor);
    // The flood could not be written whole: the run did not end well, and nobody says it did.
    if (v.record.state !== 'failed') bad.push(`record state ${v.record.state}`);
    if (recorded.state !== v.record.state) bad.push(`run.json says ${String(recorded.state)}, the supervisor ${v.record.state}`);
    if (v.summary.state !== 'failed') bad.push(`summarize state ${v.summary.state}`);
    if (state.state !== 'failed') bad.push(`monitor state ${state.state}`);
    if (v.list?.state !== 'failed') bad.push(`run list state ${v.list?.state}`);
    if (v.show?.state !== 'failed') bad.push(`run show state ${v.show?.state}`);
    if ((await runProcessCount(record)) !== 0) bad.push('processes left');
    const files = readdirSync(dir).join(', ');
    log.verdict(
      'the workspace on a disk the run fills',
      `${describe(v)}; ended after ${seconds.toFixed(1)} s; record files: ${files}; note: ${v.record.note ?? '-'}`,
      bad,
      `${describe(v)}; ${files}`,
    );
  },
);
