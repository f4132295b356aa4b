// The one nvidia-smi wrapper: runs it with an argument array and a timeout, and splits its CSV output. Never throws:
// a missing, failing or hanging nvidia-smi gives `{ ok: false, error }`. gpuQuery (which GPUs) and the monitor's
// GPU poller (samples while a run lives) both go through it.
import { execFile } from 'node:child_process';
import { errText } from '../util/errText';

export interface NvidiaSmiOptions {
  /** nvidia-smi executable (name on PATH or a path). Default `nvidia-smi`. */
  exec?: string;
  /** Default 5 s. */
  timeoutMs?: number;
  /** Environment for the child (default: ours). */
  env?: NodeJS.ProcessEnv;
}

export type NvidiaSmiResult = { ok: true; stdout: string } | { ok: false; error: string };

export function runNvidiaSmi(args: readonly string[], opts: NvidiaSmiOptions = {}): Promise<NvidiaSmiResult> {
  const exec = opts.exec ?? 'nvidia-smi';
  return new Promise((resolve) => {
    try {
      execFile(
        exec,
        [...args],
        { timeout: opts.timeoutMs ?? 5_000, windowsHide: true, maxBuffer: 1024 * 1024, ...(opts.env ? { env: opts.env } : {}) },
        (err, stdout) => {
          if (err) {
            const first = String(stdout ?? '')
              .trim()
              .split(/\r?\n/)[0];
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'ENOENT') resolve({ ok: false, error: `${exec} was not found${/[\\/]/.test(exec) ? '' : ' on PATH'}` });
            else resolve({ ok: false, error: `${exec} failed: ${first || err.message}` });
          } else resolve({ ok: true, stdout: String(stdout) });
        },
      );
    } catch (e) {
      resolve({ ok: false, error: `${exec} could not run: ${errText(e)}` });
    }
  });
}

/** The rows of `--format=csv,noheader,…` output: cells split on commas (untrimmed), blank lines dropped. */
export function csvRows(out: string): string[][] {
  return out
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

/** A number from one CSV cell, or undefined for `[N/A]`, `[Not Supported]`, empty or junk. Units after the number are ignored. */
export function cellNumber(cell: string | undefined): number | undefined {
  if (cell === undefined) return undefined;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(?:[A-Za-z%]+)?\s*$/.exec(cell);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n : undefined;
}

/** Whether a cell is a GPU index (the first cell of every real row; driver messages and junk lines are not). */
export function isIndexCell(cell: string | undefined): boolean {
  return cell !== undefined && /^\s*\d+\s*$/.test(cell);
}
