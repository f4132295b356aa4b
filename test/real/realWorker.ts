// The real worker for the integration tests: diffusers v0.27.2's train_dreambooth_lora_sdxl.py, unmodified, on CPU
// with a tiny SDXL (scripts/install-real-worker.sh). Runs go through the same path as a user's Start: a `*.sdxl.json`
// config → validateConfig → buildLaunchPlan → claimOutputDir → Supervisor.start (a detached wrapper) → RunMonitor.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { listDir } from '../../src/cli/validate';
import { join } from 'node:path';
import { parseConfigText, type SdxlConfig } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { buildLaunchPlan, type LaunchPlan } from '../../src/core/launch/launchPlan';
import { RunMonitor } from '../../src/core/monitor/runMonitor';
import type { RunState } from '../../src/core/run/state';
import { claimOutputDir, pickResumeCheckpoint } from '../../src/core/supervisor/ownership';
import { outputDirOf } from '../../src/core/launch/planArgs';
import type { RunEntry } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { findRealWorker as findInstalled } from '../../scripts/real-worker-workspace.cjs';
import { repoRoot, runProcessCount, waitFor, workspace, wrapperJs, type Workspace } from '../unit/supervisorTestKit';

export const REQUIRE_ENV = 'SDXL_REQUIRE_REAL_WORKER';
export const SCRIPT_FILE = 'train_dreambooth_lora_sdxl.py';

export interface RealWorker {
  dest: string;
  accelerate: string;
  /** HF_HOME with accelerate's default (CPU) config. */
  hfHome: string;
  /** The installed copy of diffusers v0.27.2's examples folder. */
  examples: string;
  tiny: { model: string; instance: string };
}

/** Where the real worker is, or why it cannot be used: the demo's lookup (scripts/real-worker-workspace.cjs). */
export function findRealWorker(): RealWorker | string {
  const w = findInstalled();
  return typeof w === 'string'
    ? w
    : { dest: w.dest, accelerate: w.accelerate, hfHome: w.hfHome, examples: w.examples, tiny: { model: w.model, instance: w.instance } };
}

/**
 * The worker, or a skip reason for node:test. With SDXL_REQUIRE_REAL_WORKER=1 (CI) a missing worker is an error, so
 * a broken install can never pass as a skipped suite.
 */
export function realWorkerOrSkip(): { worker: RealWorker; skip: false } | { worker: undefined; skip: string } {
  if (process.platform === 'win32') return { worker: undefined, skip: 'the real worker runs on Linux only' };
  const found = findRealWorker();
  if (typeof found !== 'string') return { worker: found, skip: false };
  if (process.env[REQUIRE_ENV] === '1') throw new Error(`${REQUIRE_ENV}=1 but ${found}`);
  console.log(`# skipping the real-worker tests: ${found}`);
  return { worker: undefined, skip: found };
}

export function scriptPath(w: RealWorker): string {
  return join(w.examples, 'examples', 'dreambooth', SCRIPT_FILE);
}

/** Small DreamBooth LoRA arguments for the tiny model: 64 px, batch 1, 4 instance images (one epoch = 4 steps). */
export function tinyArgs(w: RealWorker, more: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  return {
    pretrained_model_name_or_path: w.tiny.model,
    instance_data_dir: w.tiny.instance,
    instance_prompt: 'a photo of sks square',
    resolution: 64,
    train_batch_size: 1,
    gradient_accumulation_steps: 1,
    learning_rate: 1e-4,
    lr_scheduler: 'constant',
    lr_warmup_steps: 0,
    report_to: 'tensorboard',
    mixed_precision: 'no',
    seed: 0,
    output_dir: 'out',
    ...more,
  };
}

export type Launch = Record<string, unknown>;

/** The `launch` a user writes for the worker: its accelerate, the script's path, HF_HOME for accelerate's CPU config. */
export function realLaunch(w: RealWorker, accelerateArgs: Record<string, string | number | boolean> = {}): Launch {
  return {
    accelerate: w.accelerate,
    scriptPath: scriptPath(w),
    // One OpenMP thread per process: accelerate's CPU default made the UNet ~7x slower on 2 cores (kit README).
    accelerateArgs: { num_cpu_threads_per_process: 1, ...accelerateArgs },
    env: { HF_HOME: w.hfHome },
  };
}

/** The same run played by the stand-in trainer through the fake `accelerate` (test/fixtures). */
export function standinLaunch(ws: Workspace): Launch {
  // Preflight wants the script file; the fake accelerate runs the stand-in in its place.
  writeFileSync(join(ws.root, SCRIPT_FILE), '');
  return {
    accelerate: join(repoRoot, 'test', 'fixtures', 'fake-bin', 'accelerate'),
    scriptPath: SCRIPT_FILE,
    accelerateArgs: { num_cpu_threads_per_process: 1 },
    env: {
      SDXL_STANDIN_TRAINER: '1',
      STANDIN_ACCELERATE_VERSION: '0.28.0',
      STANDIN_DIFFUSERS_VERSION: '0.27.2',
      STANDIN_STEP_SECONDS: '0.02',
      STANDIN_PRECOMPUTE_SECONDS: '0.01',
      STANDIN_VALIDATION_SECONDS: '0.01',
    },
  };
}

/** Writes `<name>.sdxl.json` in the workspace, as a user would. */
export function writeConfig(ws: Workspace, name: string, launch: Launch, args: Record<string, string | number | boolean>): string {
  const file = join(ws.root, `${name}.sdxl.json`);
  writeFileSync(file, JSON.stringify({ script: 'dreambooth-lora', name, launch, args }, null, 2) + '\n');
  return file;
}

export function supervisor(ws: Workspace, wrapperScript: string): Supervisor {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript, execPath: process.execPath, graceMs: 5_000, startTimeoutMs: 60_000 });
}

export interface Started {
  entry: RunEntry;
  monitor: RunMonitor;
}

/** The config file through the editor's Start gate (no error diagnostics unless `allowErrors`) and its launch plan. */
export function gatedPlan(file: string, opts: { allowErrors?: boolean } = {}): { config: SdxlConfig; plan: LaunchPlan } {
  const text = readFileSync(file, 'utf8');
  const errors = validateConfig(text, { configPath: file, listDir }).filter((d) => d.severity === 'error');
  if (!opts.allowErrors)
    assert.deepEqual(
      errors.map((d) => d.message),
      [],
      'the config has no error diagnostics',
    );
  const parsed = parseConfigText(text);
  assert.ok(parsed.config, JSON.stringify(parsed.problems));
  return { config: parsed.config, plan: buildLaunchPlan(parsed.config, file) };
}

/** Start as the editor's Start does (the validation gate's errors must be none unless `allowErrors`). */
export async function startConfig(ws: Workspace, sup: Supervisor, file: string, opts: { allowErrors?: boolean } = {}): Promise<Started> {
  const { config, plan } = gatedPlan(file, opts);
  const claim = claimOutputDir(outputDirOf(plan), await sup.list());
  assert.equal(claim.kind, 'free', `output_dir ${outputDirOf(plan)} is free`);
  const entry = await sup.start(plan, { name: config.name ?? 'run', configPath: file });
  return { entry, monitor: follow(ws, entry) };
}

/** Resumes as the Runs view's "Resume From Here" does: the checkpoint checked by pickResumeCheckpoint first. */
export async function resumeRun(
  ws: Workspace,
  sup: Supervisor,
  id: string,
  checkpoint: string,
  stateOf: (id: string) => RunState | undefined,
): Promise<Started> {
  const choice = await pickResumeCheckpoint({ runId: id, runs: await sup.list(), stateOf, want: checkpoint });
  const entry = await sup.resume(id, () => choice.name);
  return { entry, monitor: follow(ws, entry) };
}

function follow(ws: Workspace, entry: RunEntry): RunMonitor {
  const monitor = new RunMonitor({ recordDir: entry.dir, imageCacheDir: join(ws.root, '.sdxl', 'images'), pollMs: 100, nvidiaSmi: false });
  monitor.start();
  return monitor;
}

/** The monitor's final state, failing after `ms`. */
export async function ended(m: RunMonitor, ms: number, what: string): Promise<RunState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, rej) =>
      (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what} to end (state ${m.state.state}, step ${m.state.step})`)), ms)),
  );
  try {
    return await Promise.race([m.whenEnded(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until no process of the run is left (the wrapper, accelerate, the trainer). */
export async function noProcessLeft(sup: Supervisor, id: string): Promise<void> {
  await waitFor(async () => (await runProcessCount((await sup.get(id)).record)) === 0, `run ${id} to leave no process`, 30_000);
}

/** Files and folders below `dir`, relative, sorted ("checkpoint-2/", "checkpoint-2/optimizer.bin", …). */
export function listing(dir: string, under = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, under)).sort()) {
    const rel = under ? `${under}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) out.push(`${rel}/`, ...listing(dir, rel));
    else out.push(rel);
  }
  return out;
}

export function newWorkspace(): Workspace {
  const ws = workspace();
  mkdirSync(ws.recordsDir, { recursive: true });
  return ws;
}

export { wrapperJs, waitFor, type Workspace };
