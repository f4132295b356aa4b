// The real Slurm for the Slurm suite: the one-node cluster of scripts/slurm-cluster.sh (or any cluster whose sinfo
// answers). Runs go through the same path as a user's Start with launch.profile "slurm": config → buildLaunchPlan →
// Supervisor.start (sbatch of the generated job.sbatch) → RunMonitor asking Slurm (the command client) for the end.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunMonitor } from '../../src/core/monitor/runMonitor';
import type { RunEntry } from '../../src/core/supervisor/runRecord';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import { wrapperJs } from '../unit/supervisorTestKit';
import { gatedPlan } from '../real/realWorker';

export const REQUIRE_ENV = 'SDXL_REQUIRE_SLURM';

/** Why no cluster answers, or undefined when sinfo shows a usable node. */
function clusterProblem(): string | undefined {
  if (process.platform === 'win32') return 'Slurm runs on Linux only';
  let states: string;
  try {
    states = execFileSync('sinfo', ['-h', '-o', '%t'], { encoding: 'utf8', timeout: 15_000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `no Slurm cluster answers (sinfo: ${(e as Error).message.split('\n')[0]}); start one with scripts/slurm-cluster.sh start`;
  }
  return /\b(idle|mix|alloc)\b/.test(states) ? undefined : `sinfo shows no usable node (${states.trim() || 'none'})`;
}

/** The skip reason for node:test, or false; with SDXL_REQUIRE_SLURM=1 (CI) a missing cluster is an error. */
export function slurmOrSkip(): string | false {
  const problem = clusterProblem();
  if (!problem) return false;
  if (process.env[REQUIRE_ENV] === '1') throw new Error(`${REQUIRE_ENV}=1 but ${problem}`);
  console.log(`# skipping the Slurm tests: ${problem}`);
  return problem;
}

/** CPUs of the cluster's node (what a job must ask for to leave none free). */
export function nodeCpus(): number {
  return Number(execFileSync('sinfo', ['-h', '-N', '-o', '%c'], { encoding: 'utf8' }).trim().split('\n')[0]);
}

export interface SlurmWorkspace {
  root: string;
  recordsDir: string;
  cleanup(): void;
}

/** A workspace whose path holds a space, as users' do: the job script's #SBATCH paths must survive it. */
export function slurmWorkspace(): SlurmWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'sdxl slurm '));
  const recordsDir = join(root, '.sdxl', 'runs');
  mkdirSync(recordsDir, { recursive: true });
  return { root, recordsDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export async function slurmSupervisor(ws: SlurmWorkspace): Promise<Supervisor> {
  return new Supervisor({
    recordsDir: ws.recordsDir,
    wrapperScript: await wrapperJs(),
    execPath: process.execPath,
    startTimeoutMs: 30_000,
    slurmStopTimeoutMs: 90_000,
  });
}

/** Writes `<name>.sdxl.json` with launch.profile "slurm" and `slurm` settings (no GPU: the test node has none). */
export function writeSlurmConfig(
  ws: SlurmWorkspace,
  name: string,
  script: string,
  launch: Record<string, unknown>,
  args: Record<string, unknown>,
  slurm: Record<string, unknown> = {},
): string {
  const file = join(ws.root, `${name}.sdxl.json`);
  const config = { script, name, launch: { ...launch, profile: 'slurm', slurm: { gpusPerNode: 0, ...slurm } }, args };
  writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
  return file;
}

/** Start as the editor's Start does: the validation gate, the plan, Supervisor.start (sbatch). */
export async function startSlurmConfig(sup: Supervisor, file: string): Promise<RunEntry> {
  const { config, plan } = gatedPlan(file);
  assert.ok(plan.slurm, 'a Slurm plan');
  const entry = await sup.start(plan, { name: config.name ?? 'run', configPath: file });
  assert.ok(entry.record.slurm?.jobId, `submitted: ${entry.record.note ?? ''}`);
  return entry;
}

/** A RunMonitor on the record, asking Slurm through the supervisor's client, as the dashboard does. */
export function followSlurm(sup: Supervisor, entry: RunEntry): RunMonitor {
  const monitor = new RunMonitor({
    recordDir: entry.dir,
    imageCacheDir: join(sup.recordsDir, '..', 'images'),
    pollMs: 100,
    nvidiaSmi: false,
    slurm: sup.slurm,
  });
  monitor.start();
  return monitor;
}

export { ended } from '../real/realWorker';
