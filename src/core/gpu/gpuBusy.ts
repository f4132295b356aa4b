// Which GPUs other programs are using now, from nvidia-smi: a compute process on it, or memory in use beyond what an
// idle GPU shows. The queue skips those for a count-only run, so two users (or a notebook and a run) on one machine
// do not land on the same GPU. Asked through the caller's tool runner: nothing is spawned where it may not be.
import { csvRows, isIndexCell } from './nvidiaSmi';

/** Memory in use (MiB) above which a GPU counts as taken: a CUDA context alone is some hundreds; a desktop less. */
export const BUSY_MEMORY_MIB = 1024;

/** The part of ProcessQuery (supervisor/processTree.ts) this needs. */
export interface ToolRunner {
  run(cmd: string, args: string[]): Promise<string | undefined>;
  maySpawn(): boolean;
}

export const GPU_USE_ARGS = ['--query-gpu=index,uuid,memory.used', '--format=csv,noheader,nounits'];
export const COMPUTE_APPS_ARGS = ['--query-compute-apps=gpu_uuid', '--format=csv,noheader'];

/**
 * Indices of the GPUs in use, from `--query-gpu=index,uuid,memory.used` and `--query-compute-apps=gpu_uuid` output.
 * Rows it cannot read are skipped (a GPU with `[N/A]` memory counts as busy only with a compute process on it).
 */
export function parseBusyGpus(gpuCsv: string, appsCsv: string, thresholdMiB = BUSY_MEMORY_MIB): Set<number> {
  const withApps = new Set(
    csvRows(appsCsv)
      .map((r) => r[0]!.trim())
      .filter(Boolean),
  );
  const busy = new Set<number>();
  for (const row of csvRows(gpuCsv)) {
    if (row.length < 3 || !isIndexCell(row[0])) continue;
    const used = Number(row[2]!.trim());
    if (withApps.has(row[1]!.trim()) || (Number.isFinite(used) && used > thresholdMiB)) busy.add(Number(row[0]));
  }
  return busy;
}

/**
 * The GPUs in use now, or undefined when that cannot be known: no spawning allowed here (an untrusted workspace), no
 * nvidia-smi, or it failed. Undefined means "no facts", and the caller goes on as without nvidia-smi.
 */
export async function queryBusyGpus(runner: ToolRunner, exec = 'nvidia-smi'): Promise<Set<number> | undefined> {
  if (!runner.maySpawn()) return undefined;
  const gpus = await runner.run(exec, GPU_USE_ARGS);
  if (gpus === undefined) return undefined;
  const apps = await runner.run(exec, COMPUTE_APPS_ARGS);
  return parseBusyGpus(gpus, apps ?? '');
}
