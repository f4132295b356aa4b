// Checkpoint scanner: what `checkpoint-N` folders an output_dir holds and which are complete (docs/worker-formats.md#checkpoints).
// Read-only by design: the scripts' resume and pruning crash on any extra name starting with "checkpoint".
import { readdir, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScriptKind } from '../scripts/scriptTables';
import { profileOfRecorded } from '../scripts/profiles';
import type { CheckpointInfo } from '../run/events';

export interface CheckpointScan {
  checkpoints: CheckpointInfo[];
  /** Entries whose name starts with "checkpoint" but is not `checkpoint-<int>`: they crash `latest` resume and pruning. */
  stray: string[];
}

export interface ScanOptions {
  /** Which script wrote the checkpoints; unknown accepts either layout. */
  script?: ScriptKind | null;
  /** Steps the console reported as `Saved state to …/checkpoint-N` (complete whatever the files look like). */
  savedSteps?: Iterable<number>;
  /** Sum file sizes (walks each checkpoint). Default true. */
  sizes?: boolean;
}

const COMMON = ['optimizer.bin', 'scheduler.bin', 'random_states_0.pkl'];
const SHARD_RE = /^diffusion_pytorch_model-(\d+)-of-(\d+)\.safetensors$/;

/** `checkpoint-N` → N; anything else (checkpoint-best, checkpoints, checkpoint-1.5) → undefined. */
export function checkpointStep(name: string): number | undefined {
  const m = /^checkpoint-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Files (relative paths with `/`, non-empty only) → whether the script's save is all there. */
export function isCompleteCheckpoint(files: ReadonlySet<string>, script: ScriptKind | null | undefined): boolean {
  if (!COMMON.every((f) => files.has(f))) return false;
  const lora = files.has('pytorch_lora_weights.safetensors');
  const full = files.has('unet/config.json') && fullUnetWeights(files);
  const weights = profileOfRecorded(script)?.checkpointWeights;
  if (weights === 'unet') return full;
  if (weights === 'lora') return lora;
  return full || lora;
}

function fullUnetWeights(files: ReadonlySet<string>): boolean {
  if (files.has('unet/diffusion_pytorch_model.safetensors')) return true;
  // Sharded save (the fp32 SDXL UNet is over the 10GB shard size): the index and every shard.
  let total = 0;
  const have = new Set<number>();
  for (const f of files) {
    const m = f.startsWith('unet/') ? SHARD_RE.exec(f.slice(5)) : null;
    if (m) {
      have.add(Number(m[1]));
      total = Number(m[2]);
    }
  }
  if (total === 0 || !files.has('unet/diffusion_pytorch_model.safetensors.index.json')) return false;
  for (let i = 1; i <= total; i++) if (!have.has(i)) return false;
  return true;
}

async function listFiles(dir: string, prefix: string, depth: number, out: Map<string, number>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = prefix + e.name;
    const p = join(dir, e.name);
    if (e.isDirectory() && depth < 3) await listFiles(p, rel + '/', depth + 1, out);
    else if (e.isFile()) {
      try {
        out.set(rel, (await lstat(p)).size);
      } catch {
        // Vanished while scanning (pruned): simply not there.
      }
    }
  }
}

/** Scans `outputDir` without writing anything. A missing or unreadable folder gives no checkpoints. */
export async function scanCheckpoints(outputDir: string, options: ScanOptions = {}): Promise<CheckpointScan> {
  const saved = new Set(options.savedSteps ?? []);
  let entries;
  try {
    entries = await readdir(outputDir, { withFileTypes: true });
  } catch {
    return { checkpoints: [], stray: [] };
  }
  const checkpoints: CheckpointInfo[] = [];
  const stray: string[] = [];
  for (const e of entries) {
    if (!e.name.startsWith('checkpoint')) continue;
    const step = checkpointStep(e.name);
    if (step === undefined || !e.isDirectory()) {
      stray.push(e.name);
      continue;
    }
    const path = join(outputDir, e.name);
    const files = new Map<string, number>();
    await listFiles(path, '', 0, files);
    const nonEmpty = new Set([...files].filter(([, size]) => size > 0).map(([f]) => f));
    const info: CheckpointInfo = { step, path, complete: saved.has(step) || isCompleteCheckpoint(nonEmpty, options.script) };
    if (options.sizes !== false) info.sizeBytes = [...files.values()].reduce((a, b) => a + b, 0);
    checkpoints.push(info);
  }
  checkpoints.sort((a, b) => a.step - b.step);
  return { checkpoints, stray: stray.sort() };
}

/** The highest-step complete checkpoint: what to resume from (the script's own `latest` ignores completeness). */
export function newestCompleteCheckpoint<T extends CheckpointInfo>(checkpoints: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of checkpoints) if (c.complete && (!best || c.step > best.step)) best = c;
  return best;
}
