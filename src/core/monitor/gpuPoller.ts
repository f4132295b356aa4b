// GPU samples for a live run: one `nvidia-smi --query-gpu` call per poll (argument array, timeout), parsed robustly
// (`[N/A]`, `[Not Supported]`, unit suffixes, driver messages and other junk lines are skipped, never thrown).
import { execFile } from 'node:child_process';
import type { GpuSample } from '../run/events';

export const GPU_QUERY_ARGS = [
  '--query-gpu=index,memory.used,memory.total,utilization.gpu,temperature.gpu,power.draw',
  '--format=csv,noheader,nounits',
];
export const COMPUTE_APPS_ARGS = ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'];

export interface GpuQueryOptions {
  /** nvidia-smi executable (name on PATH or a path). Default `nvidia-smi`. */
  exec?: string;
  timeoutMs?: number;
  /** Environment for the child (default: ours). */
  env?: NodeJS.ProcessEnv;
}

export type GpuQueryResult = { ok: true; gpus: GpuSample[] } | { ok: false; error: string };

/** One compute process on a GPU (`--query-compute-apps`). */
export interface GpuApp {
  pid: number;
  usedMemoryMiB?: number;
}

/** A number from one CSV cell, or undefined for `[N/A]`, `[Not Supported]`, empty or junk. Units after the number are ignored. */
function cellNumber(cell: string | undefined): number | undefined {
  if (cell === undefined) return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:[A-Za-z%]+)?\s*$/.exec(cell);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses the output of GPU_QUERY_ARGS. Lines whose first cell is not a GPU index are skipped. */
export function parseGpuQuery(out: string): GpuSample[] {
  const gpus: GpuSample[] = [];
  for (const line of out.split(/\r?\n/)) {
    const cells = line.split(',');
    if (cells.length < 6 || !/^\s*\d+\s*$/.test(cells[0]!)) continue;
    const sample: GpuSample = { index: Number(cells[0]) };
    const put = (key: Exclude<keyof GpuSample, 'index'>, cell: string | undefined) => {
      const v = cellNumber(cell);
      if (v !== undefined) sample[key] = v;
    };
    put('memoryUsedMiB', cells[1]);
    put('memoryTotalMiB', cells[2]);
    put('utilizationPct', cells[3]);
    put('temperatureC', cells[4]);
    put('powerW', cells[5]);
    gpus.push(sample);
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/** Parses the output of COMPUTE_APPS_ARGS. */
export function parseComputeApps(out: string): GpuApp[] {
  const apps: GpuApp[] = [];
  for (const line of out.split(/\r?\n/)) {
    const cells = line.split(',');
    if (cells.length < 2 || !/^\s*\d+\s*$/.test(cells[0]!)) continue;
    const mem = cellNumber(cells[1]);
    apps.push({ pid: Number(cells[0]), ...(mem !== undefined ? { usedMemoryMiB: mem } : {}) });
  }
  return apps;
}

function run(args: readonly string[], opts: GpuQueryOptions): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  const exec = opts.exec ?? 'nvidia-smi';
  return new Promise((resolve) => {
    try {
      execFile(exec, [...args], { timeout: opts.timeoutMs ?? 5_000, windowsHide: true, maxBuffer: 1024 * 1024, ...(opts.env ? { env: opts.env } : {}) }, (err, stdout) => {
        if (err) {
          const first = String(stdout ?? '').trim().split(/\r?\n/)[0];
          resolve({ ok: false, error: `${exec} failed: ${first || err.message}` });
        } else resolve({ ok: true, stdout: String(stdout) });
      });
    } catch (e) {
      resolve({ ok: false, error: `${exec} could not run: ${e instanceof Error ? e.message : String(e)}` });
    }
  });
}

/** Samples every GPU once. Never throws: a missing, failing or hanging nvidia-smi gives `{ ok: false, error }`. */
export async function queryGpuSample(opts: GpuQueryOptions = {}): Promise<GpuQueryResult> {
  const r = await run(GPU_QUERY_ARGS, opts);
  if (!r.ok) return r;
  const gpus = parseGpuQuery(r.stdout);
  return gpus.length ? { ok: true, gpus } : { ok: false, error: `${opts.exec ?? 'nvidia-smi'} listed no GPU` };
}

/** Compute processes on all GPUs; undefined when nvidia-smi fails. */
export async function queryComputeApps(opts: GpuQueryOptions = {}): Promise<GpuApp[] | undefined> {
  const r = await run(COMPUTE_APPS_ARGS, opts);
  return r.ok ? parseComputeApps(r.stdout) : undefined;
}
