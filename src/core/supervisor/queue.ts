// The run queue. Queued runs are ordinary record folders with state "queued"; they start strictly in creation
// order once the GPUs they need (and their output_dir) are free. Both the extension and a finishing wrapper pump
// the queue, so it advances with the editor closed; an exclusive start.lock per record stops double starts.
// Only runs this machine queued start (their seal verifies with its key, machineKey.ts); others are reported as
// foreign and neither start nor hold up the queue.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJsonIfExists, writeJsonAtomic } from './atomicFile';
import { launchWrapper, type WrapperLauncher } from './launcher';
import { holdsResources, reconcile } from './liveness';
import { defaultMachineKeyFile, isSealedBy, launchMac, loadMachineKey } from './machineKey';
import { preflight } from './preflight';
import { pidExists, systemProcesses, type ProcessQuery } from './processTree';
import { ensureRecordsDir, listRuns, readRecord, recordFiles, updateRecord, type RunEntry } from './runRecord';
import { removeSecretsFile } from './secrets';
import { isSlurmRun } from './slurmRuns';
import type { GpuNeed, RunRecord } from './types';
import { errText } from '../util/errText';
import { queryBusyGpus } from '../gpu/gpuBusy';
import { readRegularFileSync } from '../util/regularFile';

export const QUEUE_SETTINGS_FILE = 'queue.json';

export interface QueueSettings {
  /** GPUs on this machine. Unknown: runs are exclusive (one at a time). */
  totalGpus?: number;
  /** nvidia-smi to ask which GPUs other programs use (gpu/gpuBusy.ts). Default `nvidia-smi` on PATH. */
  nvidiaSmi?: string;
}

export function readQueueSettings(recordsDir: string): QueueSettings {
  try {
    return readJsonIfExists<QueueSettings>(join(recordsDir, QUEUE_SETTINGS_FILE)) ?? {};
  } catch {
    return {};
  }
}

export function writeQueueSettings(recordsDir: string, settings: QueueSettings): void {
  ensureRecordsDir(recordsDir);
  writeJsonAtomic(join(recordsDir, QUEUE_SETTINGS_FILE), settings);
}

/** Why a need can never be met on this machine, or undefined. */
export function impossibleNeed(need: GpuNeed, totalGpus: number | undefined): string | undefined {
  if (totalGpus === undefined) return undefined;
  const bad = need.indices?.filter((i) => i >= totalGpus) ?? [];
  if (bad.length) return `it asks for GPU ${bad.join(', ')} but this machine has ${totalGpus} GPU(s) (0…${totalGpus - 1})`;
  if (need.count > totalGpus) return `it needs ${need.count} GPUs but this machine has ${totalGpus}`;
  return undefined;
}

export type QueueDecision = { entry: RunEntry; gpus?: number[] } | { entry: RunEntry; impossible: string };

/**
 * Which queued runs may start now (pure, given which runs hold resources). Strict FIFO: the first queued run that
 * must wait blocks those behind it, so runs start in the order they were queued. A run whose need can never be met
 * is reported as impossible (and does not block). `inUse`: GPUs nvidia-smi shows in use (queryBusyGpus), skipped
 * like our own runs' GPUs; those not held by one of our runs by index may be where our count-only runs are, so each
 * counts against those runs first.
 */
export function planQueue(
  entries: readonly RunEntry[],
  totalGpus: number | undefined,
  holds: (r: RunRecord) => boolean,
  inUse: ReadonlySet<number> = new Set(),
): QueueDecision[] {
  const live = entries.filter((e) => holds(e.record)).map((e) => e.record);
  const busyDirs = new Set(
    live
      .map((r) => r.outputDir)
      .filter((d): d is string => !!d)
      .map((d) => resolve(d)),
  );
  const out: QueueDecision[] = [];
  const queued = entries.filter((e) => e.record.state === 'queued');
  if (totalGpus === undefined) {
    // A Slurm job holds no GPU of this machine: it does not make local runs wait (its output_dir still does).
    if (!live.some((r) => !isSlurmRun(r)) && queued[0]) out.push({ entry: queued[0] });
    return out;
  }
  const busy = new Set<number>();
  let anonymous = 0; // live runs that hold a count of GPUs without known indices
  for (const r of live) {
    if (r.gpus?.indices) r.gpus.indices.forEach((i) => busy.add(i));
    else anonymous += r.gpus?.count ?? 1;
  }
  const others = [...inUse].filter((i) => Number.isInteger(i) && i >= 0 && i < totalGpus && !busy.has(i));
  anonymous = Math.max(0, anonymous - others.length);
  others.forEach((i) => busy.add(i));
  for (const entry of queued) {
    const need = entry.record.gpus ?? { count: 1 };
    const impossible = impossibleNeed(need, totalGpus);
    if (impossible) {
      out.push({ entry, impossible });
      continue;
    }
    const dir = entry.record.outputDir ? resolve(entry.record.outputDir) : undefined;
    if (dir && busyDirs.has(dir)) break;
    const free = [...Array(totalGpus).keys()].filter((i) => !busy.has(i));
    let gpus: number[] | undefined;
    if (need.indices) {
      if (!need.indices.every((i) => !busy.has(i)) || free.length - anonymous < need.indices.length) break;
      gpus = need.indices;
    } else {
      if (free.length - anonymous < need.count) break;
      gpus = free.slice(0, need.count);
    }
    gpus.forEach((i) => busy.add(i));
    if (dir) busyDirs.add(dir);
    out.push({ entry, gpus });
  }
  return out;
}

/** Generations of a record's start lock tried before giving up (each one left only by a process that died). */
const START_LOCK_GENERATIONS = 8;

/**
 * Takes the start of a queued run: true only for the one caller that holds the record's start lock AND then reads
 * the record still queued. The lock is taken with an exclusive create; a lock whose owner died is never removed
 * (two callers removing the same dead lock could each then create "their" lock) but passed over to the next
 * generation (`start.lock.1`, …), which again only one caller can create. The state is read under the lock because a
 * caller may have listed the run as queued before another process (a finishing wrapper that since exited) started it.
 */
export function claimStart(recordDir: string): boolean {
  const base = recordFiles(recordDir).startLock;
  for (let generation = 0; generation < START_LOCK_GENERATIONS; generation++) {
    const lock = generation === 0 ? base : `${base}.${generation}`;
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      let owner = NaN;
      try {
        owner = Number(readRegularFileSync(lock, 64).trim());
      } catch {
        // unreadable lock: treat as held
      }
      // An empty lock is one being written right now (create, then write): held.
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || pidExists(owner)) return false;
      continue;
    }
    try {
      return readRecord(recordDir).state === 'queued';
    } catch {
      return false;
    }
  }
  return false;
}

export interface PumpResult {
  started: string[];
  failed: { id: string; reason: string }[];
  /** Queued runs not sealed by this machine: left alone (queued, unchanged) for the user to start or remove. */
  foreign: string[];
}

/**
 * Starts every queued run that may start now (see planQueue), of those this machine queued. Safe to call from
 * several processes at once. Throws MachineKeyError when the key cannot be read or made (nothing started then).
 */
export async function pumpQueue(
  recordsDir: string,
  launcher: WrapperLauncher,
  settings: QueueSettings = readQueueSettings(recordsDir),
  query: ProcessQuery = systemProcesses,
): Promise<PumpResult> {
  const result: PumpResult = { started: [], failed: [], foreign: [] };
  const all = await Promise.all(listRuns(recordsDir).map((e) => reconcile(e, undefined, undefined, query)));
  if (!all.some((e) => e.record.state === 'queued')) return result;
  const key = loadMachineKey(launcher.machineKeyFile ?? defaultMachineKeyFile());
  const entries = all.filter((e) => {
    if (e.record.state !== 'queued' || isSealedBy(key, e.record)) return true;
    result.foreign.push(e.record.id);
    return false;
  });
  // Liveness is asked once per run up front, so planQueue stays a pure function of the answers.
  const holding = new Set<RunRecord>();
  for (const e of entries) if (await holdsResources(e.record, query)) holding.add(e.record);
  // GPUs other programs use: asked only when the count is known (else runs are exclusive anyway).
  const inUse = settings.totalGpus !== undefined ? await queryBusyGpus(query, settings.nvidiaSmi) : undefined;
  for (const d of planQueue(entries, settings.totalGpus, (r) => holding.has(r), inUse)) {
    const { dir, record } = d.entry;
    if (!claimStart(dir)) continue;
    const fail = (reason: string) => {
      result.failed.push({ id: record.id, reason });
      removeSecretsFile(dir);
      try {
        updateRecord(dir, { state: 'failed', endedAt: new Date().toISOString(), note: reason });
      } catch {
        // the reason is still returned to the caller
      }
    };
    if ('impossible' in d) {
      fail(`cannot start queued run: ${d.impossible}`);
      continue;
    }
    const problems = preflight(record.plan);
    if (problems.length) {
      fail(`cannot start queued run: ${problems.map((p) => p.message).join('; ')}`);
      continue;
    }
    const plan = { ...record.plan, env: { ...record.plan.env } };
    // A count-only run gets the GPUs the queue picked, or it would default to GPU 0 while another run uses it.
    if (d.gpus && !record.gpus?.indices && d.gpus.length > 0) plan.env['CUDA_VISIBLE_DEVICES'] = d.gpus.join(',');
    try {
      updateRecord(dir, {
        state: 'starting',
        plan,
        launchMac: launchMac(key, { id: record.id, plan }),
        gpus: d.gpus ? { indices: d.gpus, count: d.gpus.length } : record.gpus,
        startedAt: new Date().toISOString(),
      });
    } catch (e) {
      result.failed.push({ id: record.id, reason: errText(e) });
      continue;
    }
    launchWrapper(launcher, dir);
    result.started.push(record.id);
  }
  return result;
}
