// How a run ended when nobody recorded its exit: the supervising wrapper was killed (or could not write exit.json)
// and the run's processes are gone. The training itself may well have finished: the scripts write their final
// weights only after the last step, so the last Steps bar at its total plus those weights mean it succeeded.
// liveness.reconcile and the RunMonitor's end detection both decide with `outcomeWithoutExit`, so they agree.
import { closeSync, existsSync, fstatSync, readSync } from 'node:fs';
import { openRegularSync } from '../util/regularFile';
import { isAbsolute, join, resolve } from 'node:path';
import { ConsoleParser } from '../worker/consoleParser';
import type { ScriptKind } from '../scripts/scriptTables';
import { profileOfRecorded } from '../scripts/profiles';

/** How much of the end of a console is read for the latest Steps bar: the cost is the same for every run length. */
const TAIL_BYTES = 256 * 1024;

/**
 * The last `Steps:` bar's step and total in the last TAIL_BYTES of a console, a checkpoint announced after it counting
 * as its step reached; nulls when there is none.
 */
export function tailProgress(consolePath: string): { step: number | null; totalSteps: number | null } {
  let fd: number | undefined;
  try {
    fd = openRegularSync(consolePath);
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    const got = readSync(fd, buf, 0, length, size - length);
    const parser = new ConsoleParser();
    let step: number | null = null;
    let totalSteps: number | null = null;
    for (const batch of [parser.push(buf.subarray(0, got)), parser.end()]) {
      for (const e of batch) {
        if (e.type === 'progress') {
          step = e.step;
          totalSteps = e.total ?? totalSteps;
        } else if ((e.type === 'checkpointSaving' || e.type === 'checkpointSaved') && (step === null || e.step > step)) {
          step = e.step; // announced at step N, maybe before tqdm drew it (as the reducer counts it)
        }
      }
    }
    return { step, totalSteps };
  } catch {
    return { step: null, totalSteps: null };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file the script writes into output_dir once training is over: LoRA weights, or the full pipeline's index. */
export function finalWeightsFile(script: ScriptKind): string {
  return profileOfRecorded(script)?.finalWeightsFile ?? 'pytorch_lora_weights.safetensors';
}

export interface UnknownExitInput {
  consolePath: string;
  /** The run's output_dir (absolute, or relative to `cwd`), when known. */
  outputDir?: string;
  cwd?: string;
  script?: ScriptKind;
  /** A stop was requested (the stop request file exists). */
  stopRequested: boolean;
}

export interface UnknownExitOutcome {
  state: 'succeeded' | 'failed' | 'stopped';
  note: string;
}

export const UNKNOWN_EXIT_SUCCEEDED = 'exit status unknown (the supervising wrapper was killed); the run reached its last step and wrote its final weights';
export const UNKNOWN_EXIT_FAILED =
  "ended, exit status unknown: the run's processes are gone and no exit status was recorded (the supervising wrapper process was killed, or could not write exit.json)";

/** The outcome of a run whose processes are gone and whose exit.json is missing. */
export function outcomeWithoutExit(input: UnknownExitInput): UnknownExitOutcome {
  if (input.stopRequested) return { state: 'stopped', note: UNKNOWN_EXIT_FAILED };
  const { step, totalSteps } = tailProgress(input.consolePath);
  const lastStep = step !== null && totalSteps !== null && totalSteps > 0 && step === totalSteps;
  if (lastStep && input.outputDir && input.script) {
    const out = isAbsolute(input.outputDir) ? input.outputDir : resolve(input.cwd ?? '.', input.outputDir);
    if (existsSync(join(out, finalWeightsFile(input.script)))) return { state: 'succeeded', note: UNKNOWN_EXIT_SUCCEEDED };
  }
  return { state: 'failed', note: UNKNOWN_EXIT_FAILED };
}
