// GPU samples for a live run: one `nvidia-smi --query-gpu` call per poll (argument array, timeout), parsed robustly
// (`[N/A]`, `[Not Supported]`, unit suffixes, driver messages and other junk lines are skipped, never thrown).
import { cellNumber, csvRows, isIndexCell, runNvidiaSmi, type NvidiaSmiOptions } from '../gpu/nvidiaSmi';
import type { GpuSample } from '../run/events';

// uuid last: compute apps name their GPU only by uuid, so it is what ties a run's processes to a card.
export const GPU_QUERY_ARGS = ['--query-gpu=index,memory.used,memory.total,utilization.gpu,temperature.gpu,power.draw,uuid', '--format=csv,noheader,nounits'];
export const COMPUTE_APPS_ARGS = ['--query-compute-apps=pid,used_memory,gpu_uuid', '--format=csv,noheader,nounits'];

export type GpuQueryOptions = NvidiaSmiOptions;

export type GpuQueryResult = { ok: true; gpus: GpuSample[] } | { ok: false; error: string };

/** One compute process on a GPU (`--query-compute-apps`). */
export interface GpuApp {
  pid: number;
  usedMemoryMiB?: number;
  /** The GPU it runs on (`GPU-…`), matched against GpuSample.uuid. */
  gpuUuid?: string;
}

/** A GPU uuid cell (`GPU-…` or `MIG-…`), or undefined for `[N/A]` and junk. */
function cellUuid(cell: string | undefined): string | undefined {
  const v = cell?.trim();
  return v && /^(?:GPU|MIG)-[0-9A-Za-z-/]+$/.test(v) ? v : undefined;
}

/** Parses the output of GPU_QUERY_ARGS. Lines whose first cell is not a GPU index are skipped. */
export function parseGpuQuery(out: string): GpuSample[] {
  const gpus: GpuSample[] = [];
  for (const cells of csvRows(out)) {
    if (cells.length < 6 || !isIndexCell(cells[0])) continue;
    const sample: GpuSample = { index: Number(cells[0]) };
    const put = (key: Exclude<keyof GpuSample, 'index' | 'uuid'>, cell: string | undefined) => {
      const v = cellNumber(cell);
      if (v !== undefined) sample[key] = v;
    };
    put('memoryUsedMiB', cells[1]);
    put('memoryTotalMiB', cells[2]);
    put('utilizationPct', cells[3]);
    put('temperatureC', cells[4]);
    put('powerW', cells[5]);
    const uuid = cellUuid(cells[6]);
    if (uuid) sample.uuid = uuid;
    gpus.push(sample);
  }
  return gpus.sort((a, b) => a.index - b.index);
}

/** Parses the output of COMPUTE_APPS_ARGS. */
export function parseComputeApps(out: string): GpuApp[] {
  const apps: GpuApp[] = [];
  for (const cells of csvRows(out)) {
    if (cells.length < 2 || !isIndexCell(cells[0])) continue;
    const mem = cellNumber(cells[1]);
    const gpuUuid = cellUuid(cells[2]);
    apps.push({ pid: Number(cells[0]), ...(mem !== undefined ? { usedMemoryMiB: mem } : {}), ...(gpuUuid ? { gpuUuid } : {}) });
  }
  return apps;
}

/** Samples every GPU once. Never throws: a missing, failing or hanging nvidia-smi gives `{ ok: false, error }`. */
export async function queryGpuSample(opts: GpuQueryOptions = {}): Promise<GpuQueryResult> {
  const r = await runNvidiaSmi(GPU_QUERY_ARGS, opts);
  if (!r.ok) return r;
  const gpus = parseGpuQuery(r.stdout);
  return gpus.length ? { ok: true, gpus } : { ok: false, error: `${opts.exec ?? 'nvidia-smi'} listed no GPU` };
}

/**
 * Puts the memory of the run's own processes (`pids`) on the GPU each one runs on (by uuid), 0 on the sample's
 * other GPUs. An app without a uuid match (an old driver's `[N/A]`) counts on the first GPU of the sample, which is
 * where a single-process run is.
 */
export function attributeRunMemory(gpus: readonly GpuSample[], apps: readonly GpuApp[], pids: ReadonlySet<number>): GpuSample[] {
  const byGpu = new Map<number, number>(gpus.map((g) => [g.index, 0]));
  for (const app of apps) {
    if (!pids.has(app.pid)) continue;
    const gpu = (app.gpuUuid && gpus.find((g) => g.uuid === app.gpuUuid)) || gpus[0];
    if (gpu) byGpu.set(gpu.index, (byGpu.get(gpu.index) ?? 0) + (app.usedMemoryMiB ?? 0));
  }
  return gpus.map((g) => ({ ...g, runMemoryMiB: byGpu.get(g.index) ?? 0 }));
}

/** Compute processes on all GPUs; undefined when nvidia-smi fails. */
export async function queryComputeApps(opts: GpuQueryOptions = {}): Promise<GpuApp[] | undefined> {
  const r = await runNvidiaSmi(COMPUTE_APPS_ARGS, opts);
  return r.ok ? parseComputeApps(r.stdout) : undefined;
}
