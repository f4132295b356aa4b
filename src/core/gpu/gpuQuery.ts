// Which GPUs this machine has, from nvidia-smi, for the "estimate exceeds GPU memory" warning.
import { csvRows, isIndexCell, runNvidiaSmi } from './nvidiaSmi';

export interface GpuInfo {
  index: number;
  name: string;
  memoryTotalMiB: number;
}

export const NVIDIA_SMI_ARGS = ['--query-gpu=index,name,memory.total', '--format=csv,noheader,nounits'];

/**
 * Runs nvidia-smi (or `exec`, a path to one) and lists the GPUs. Undefined when it is missing, fails or times out;
 * lines it cannot read are skipped.
 */
export async function queryGpus(exec = 'nvidia-smi', timeoutMs = 10_000): Promise<GpuInfo[] | undefined> {
  const r = await runNvidiaSmi(NVIDIA_SMI_ARGS, { exec, timeoutMs });
  return r.ok ? parseNvidiaSmiCsv(r.stdout) : undefined;
}

/** `0, NVIDIA H100 80GB HBM3, 81559` per line. Names may contain commas, so index is first and memory last. */
export function parseNvidiaSmiCsv(out: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const row of csvRows(out)) {
    const fields = row.map((f) => f.trim());
    if (fields.length < 3 || !isIndexCell(fields[0])) continue;
    const index = Number(fields[0]);
    const mem = Number(fields[fields.length - 1]!.replace(/\s*MiB$/i, ''));
    const name = fields.slice(1, -1).join(', ');
    if (!Number.isFinite(mem) || mem <= 0) continue;
    gpus.push({ index, name, memoryTotalMiB: mem });
  }
  return gpus;
}
