// PLACEHOLDER (issue 7): "does output_dir already hold the work of another run?". The real check is written in
// parallel and replaces the body of claimOutputDir; keep its signature, the CLI's `--on-existing` goes through it.
// For now: taken when output_dir has a checkpoint-* folder, a *.safetensors file, or TensorBoard event files under logs/.
import { readdirSync, existsSync, type Dirent } from 'node:fs';
import { join, resolve } from 'node:path';
import { outputDirOf } from './planArgs';
import type { RunEntry } from './runRecord';

export type OutputDirClaim =
  | { kind: 'free' }
  /** `what`: the entries found, relative to output_dir (`checkpoint-500`, `logs/…/events.out.tfevents.…`). */
  | { kind: 'taken'; byRunId?: string; byRunName?: string; what: string[] };

/** Event files are looked for this deep below logs/ (the trackers write logs/<project>/events.out.tfevents.*). */
const LOGS_DEPTH = 3;

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function eventFiles(dir: string, rel: string, depth: number, out: string[]): void {
  for (const e of entries(dir)) {
    const r = `${rel}/${e.name}`;
    if (e.isFile() && e.name.startsWith('events.out.tfevents')) out.push(r);
    else if (e.isDirectory() && depth > 0) eventFiles(join(dir, e.name), r, depth - 1, out);
  }
}

/** Whether `outputDir` already holds checkpoints, weights or event files, and of which recorded run (newest first). */
export function claimOutputDir(outputDir: string, runs: RunEntry[]): OutputDirClaim {
  const dir = resolve(outputDir);
  if (!existsSync(dir)) return { kind: 'free' };
  const what: string[] = [];
  for (const e of entries(dir)) {
    if (e.isDirectory() && e.name.startsWith('checkpoint-')) what.push(e.name);
    else if (e.isFile() && e.name.endsWith('.safetensors')) what.push(e.name);
    else if (e.isDirectory() && e.name === 'logs') eventFiles(join(dir, e.name), e.name, LOGS_DEPTH, what);
  }
  if (what.length === 0) return { kind: 'free' };
  what.sort();
  let owner: RunEntry | undefined;
  for (const run of runs) {
    const out = run.record.outputDir ?? outputDirOf(run.record.plan);
    if (resolve(out) !== dir) continue;
    if (!owner || run.record.createdAt >= owner.record.createdAt) owner = run;
  }
  return owner ? { kind: 'taken', byRunId: owner.record.id, byRunName: owner.record.name, what } : { kind: 'taken', what };
}

/** `<output_dir>-2`, `-3`, …: the first that does not exist. */
export function nextFreeOutputDir(outputDir: string): string {
  const base = resolve(outputDir);
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!existsSync(candidate)) return candidate;
  }
}
