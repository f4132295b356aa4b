// Which GPUs this machine has, from nvidia-smi, for the "estimate exceeds GPU memory" warning.
import { execFile } from 'node:child_process';

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
export function queryGpus(exec = 'nvidia-smi', timeoutMs = 10_000): Promise<GpuInfo[] | undefined> {
  return new Promise((resolve) => {
    try {
      execFile(exec, NVIDIA_SMI_ARGS, { timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024 }, (err, stdout) => {
        resolve(err ? undefined : parseNvidiaSmiCsv(String(stdout)));
      });
    } catch {
      resolve(undefined);
    }
  });
}

/** `0, NVIDIA H100 80GB HBM3, 81559` per line. Names may contain commas, so index is first and memory last. */
export function parseNvidiaSmiCsv(out: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const raw of out.split(/\r?\n/)) {
    const fields = raw.split(',').map((f) => f.trim());
    if (fields.length < 3) continue;
    const index = Number(fields[0]);
    const mem = Number(fields[fields.length - 1]!.replace(/\s*MiB$/i, ''));
    const name = fields.slice(1, -1).join(', ');
    if (!/^\d+$/.test(fields[0]!) || !Number.isFinite(mem) || mem <= 0) continue;
    gpus.push({ index, name, memoryTotalMiB: mem });
  }
  return gpus;
}
