// What a row of the Configs view says of a config: its script kind, the memory estimate (as the code lens shows it)
// and how its last run went. Pure: the view reads the file and the runs, this words them.
import type { RunStateName } from '../run/state';

export interface ConfigRowFacts {
  /** `lora` | `full` | `dreambooth-lora`; absent when the file does not parse. */
  script?: string;
  /** The estimated peak GPU memory (config/memoryEstimate.ts), GiB. */
  estimateGiB?: number;
  /** Why the file could not be read as a config. */
  problem?: string;
  /** The launch profile when not `local` (multi-gpu, multi-node, slurm). */
  profile?: string;
  /** A `slurm` config's Start, as the CodeLens says it: `Submit to Slurm (partition gpu, 2 nodes × 4 GPUs)`. */
  slurmSubmit?: string;
  /** The newest run of this config. */
  lastRun?: { name: string; state: RunStateName; summary: string; createdAt: string };
}

const OUTCOME_ICONS: Partial<Record<RunStateName, string>> = { finished: '✓', failed: '✗', stopped: '■', queued: '…' };

/** `lora · ~11.8 GiB · last: ✓ finished`: short enough for a tree row's description. */
export function configRowDescription(f: ConfigRowFacts): string {
  if (f.problem) return 'not a valid config';
  const parts: string[] = [];
  if (f.script) parts.push(f.script);
  if (f.profile) parts.push(f.profile);
  if (f.estimateGiB !== undefined) parts.push(`~${f.estimateGiB.toFixed(1)} GiB`);
  if (f.lastRun) parts.push(`last: ${lastOutcome(f.lastRun.state)}`);
  return parts.join(' · ');
}

function lastOutcome(state: RunStateName): string {
  const icon = OUTCOME_ICONS[state];
  const word = state === 'queued' || state === 'finished' || state === 'failed' || state === 'stopped' ? state : 'running';
  return icon ? `${icon} ${word}` : word;
}

/** The tooltip's lines, after the path. */
export function configRowTooltip(f: ConfigRowFacts): string[] {
  if (f.problem) return [f.problem];
  const lines: string[] = [];
  if (f.script) lines.push(`Script: ${f.script}`);
  if (f.slurmSubmit) lines.push(`Start: ${f.slurmSubmit}`);
  else if (f.profile) lines.push(`Launch profile: ${f.profile}`);
  if (f.estimateGiB !== undefined) lines.push(`Estimated peak GPU memory: ${f.estimateGiB.toFixed(1)} GiB`);
  if (f.lastRun) {
    const t = new Date(f.lastRun.createdAt);
    lines.push(`Last run: ${f.lastRun.name} — ${f.lastRun.summary}${Number.isNaN(t.getTime()) ? '' : ` (started ${t.toLocaleString()})`}`);
  } else lines.push('Not run yet');
  return lines;
}
