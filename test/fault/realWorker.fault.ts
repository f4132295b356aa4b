// Faults 1 and 2 against the REAL worker: diffusers v0.27.2's unmodified train_dreambooth_lora_sdxl.py on CPU with a
// tiny SDXL (the real-worker kit, /work/shared/real-worker; installed at .cache/real-worker), launched as
// run-example.sh launches it, through the real Supervisor and wrapper. Skipped, saying why, where it is not installed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { recordFiles } from '../../src/core/supervisor/runRecord';
import type { LaunchPlan } from '../../src/core/supervisor/types';
import { ReliabilityLog } from '../reliabilityReport';
import {
  descendant,
  disagreements,
  ended,
  follow,
  lastConsoleStep,
  repoRoot,
  startRun,
  supervisor,
  unixOnly,
  views,
  viewsVerdict,
  waitFor,
  workspace,
  type Workspace,
} from './faultKit';

const log = new ReliabilityLog('real-worker', 'fault');
after(() => log.write());

const ENV_SH = join(repoRoot, '.cache', 'real-worker', 'env.sh');
/** `export NAME="value"` lines of the kit's env.sh (where it put the venv and where the kit lives). */
function envSh(): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const m of readFileSync(ENV_SH, 'utf8').matchAll(/^export (\w+)="([^"$]*)"/gm)) out[m[1]!] = m[2]!;
  } catch {
    // not installed
  }
  return out;
}
const ENV = envSh();
const DEST = ENV.REAL_WORKER_DEST ?? join(repoRoot, '.cache', 'real-worker');
const KIT = ENV.REAL_WORKER_KIT ?? '';
const SCRIPT = join(KIT, 'diffusers-examples', 'examples', 'dreambooth', 'train_dreambooth_lora_sdxl.py');
const missing = !existsSync(ENV_SH)
  ? `the real worker is not installed (${ENV_SH} missing; the real-worker kit's install.sh makes it)`
  : !existsSync(SCRIPT)
    ? `the real-worker kit's script ${SCRIPT} is missing`
    : undefined;
const SCRIPT_RE = /train_dreambooth_lora_sdxl\.py/;

/** run-example.sh's launch, as a plan: the venv's accelerate, 6 steps, checkpoints every 2 (2 kept). */
function realPlan(ws: Workspace): LaunchPlan {
  const bin = join(DEST, 'venv', 'bin');
  return {
    argv: [
      join(bin, 'accelerate'),
      'launch',
      '--num_cpu_threads_per_process=1',
      SCRIPT,
      `--pretrained_model_name_or_path=${join(DEST, 'tiny', 'model')}`,
      `--instance_data_dir=${join(DEST, 'tiny', 'instance')}`,
      '--instance_prompt=a photo of sks square',
      '--resolution=64',
      '--train_batch_size=1',
      '--gradient_accumulation_steps=1',
      '--learning_rate=1e-4',
      '--lr_scheduler=constant',
      '--lr_warmup_steps=0',
      '--max_train_steps=6',
      '--checkpointing_steps=2',
      '--checkpoints_total_limit=2',
      '--report_to=tensorboard',
      '--mixed_precision=no',
      '--seed=0',
      `--output_dir=${join(ws.root, 'out')}`,
    ],
    env: { VIRTUAL_ENV: join(DEST, 'venv'), PATH: `${bin}:${process.env.PATH ?? ''}`, HF_HOME: join(DEST, 'hf') },
    cwd: ws.root,
    script: 'dreambooth-lora',
  };
}

const skipOr = (timeout: number) => (missing ? { skip: missing, timeout } : unixOnly(timeout));
if (missing) process.stdout.write(`# real-worker faults skipped: ${missing}\n`);

function verdict(name: string, v: Awaited<ReturnType<typeof views>>, bad: string[]): void {
  viewsVerdict(log, name, v, undefined, bad);
}

test('real worker, fault 1: SIGKILL of the training script mid-step', skipOr(240_000), async (t) => {
  const { ws, sup, dir, record, monitor } = await startRun(t, realPlan, { pollMs: 200 });
  await waitFor(() => (monitor.state.step ?? 0) >= 3, 'step 3 (after checkpoint-2)', 180_000);
  const trainer = await descendant(record.pid!, SCRIPT_RE);
  assert.ok(trainer, 'the training script under accelerate');
  process.kill(trainer, 'SIGKILL');
  await ended(monitor, 60_000);
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to record the end');
  const step = lastConsoleStep(recordFiles(dir).console);
  const v = await views(ws, sup, record.id, monitor);
  const cps = v.summary.checkpoints.filter((c) => c.complete).map((c) => c.step);
  verdict(
    'real worker: SIGKILL of the training script mid-step',
    v,
    disagreements(v, {
      state: 'failed',
      step,
      checkpoints: Array.from({ length: Math.floor((step ?? 0) / 2) }, (_, i) => ({ step: 2 * (i + 1), complete: true })).slice(-2),
      resume: cps.length ? `checkpoint-${cps[cps.length - 1]}` : null,
    }),
  );
});

test('real worker, fault 2: SIGKILL of the training script as it saves checkpoint-4', skipOr(240_000), async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const out = join(ws.root, 'out');
  mkdirSync(out, { recursive: true });
  const { dir, record } = await sup.start(realPlan(ws));
  const monitor = follow(t, ws, dir, { pollMs: 200 });
  await waitFor(async () => (await descendant(record.pid!, SCRIPT_RE)) !== undefined, 'the training script', 60_000);
  const trainer = (await descendant(record.pid!, SCRIPT_RE))!;
  // Killed as the first file of checkpoint-4 appears (at once if some are there by the time it is watched): a save
  // that has begun and, with luck, not ended.
  let killedAt: number | undefined;
  const kill = () => {
    if (killedAt !== undefined) return;
    process.kill(trainer, 'SIGKILL');
    killedAt = Date.now();
  };
  const watchers: FSWatcher[] = [];
  t.after(() => watchers.forEach((w) => w.close()));
  watchers.push(
    watch(out, (_event, name) => {
      const four = join(out, 'checkpoint-4');
      if (name !== 'checkpoint-4' || watchers.length > 1 || !existsSync(four)) return;
      watchers.push(watch(four, (_e, file) => file && kill()));
      if (readdirSync(four).length > 0) kill();
    }),
  );
  await ended(monitor, 180_000);
  watchers.forEach((w) => w.close());
  await waitFor(async () => !(await isWrapperAlive(record)) && !(await isAlive(record)), 'the run to end');
  const saved = (name: string) => existsSync(join(out, 'checkpoint-4', name));
  const four = ['pytorch_lora_weights.safetensors', 'optimizer.bin', 'scheduler.bin', 'random_states_0.pkl'].filter(saved);
  const complete = four.length === 4;
  const v = await views(ws, sup, record.id, monitor);
  // An empty folder (killed before the first file) is no checkpoint: listed nowhere.
  const bad =
    killedAt === undefined
      ? ['checkpoint-4 never appeared']
      : disagreements(v, {
          state: 'failed',
          step: 4,
          checkpoints: [{ step: 2, complete: true }, ...(four.length ? [{ step: 4, complete }] : [])],
          resume: complete ? 'checkpoint-4' : 'checkpoint-2',
        });
  verdict(`real worker: SIGKILL as it saves checkpoint-4 (files written: ${four.join(', ') || 'none'})`, v, bad);
});
