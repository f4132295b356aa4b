// Which TensorBoard event files a run wrote. Runs that continue one another share output_dir/logs, and so did runs
// started twice on one config before the start prompt existed: a run's curves must come from its own files only.
// A file's name carries the writer's start time and pid (`events.out.tfevents.<secs>.<host>.<pid>.<uid>`), so a file
// belongs to the run whose lifetime holds that time; while the run lives, a writer pid still alive must also be in the
// run's process group (accelerate's training processes share the group the wrapper gave the launcher).
import { closeSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { parseEventFileName } from '../events/eventDir';
import { openRegularSync } from '../util/regularFile';

export interface RunWindow {
  /** When the run was started (ms since the epoch). */
  startMs: number;
  /** When it ended; undefined while it lives. */
  endMs?: number;
  /** The run's process group, for the live pid check. */
  pgid?: number;
}

/** The name's seconds are floored: a writer started in the run's first second may read up to 1 s earlier. */
const START_SLACK_MS = 1000;

/**
 * True when the event file `file` was written by the run of `window`. `groupOf` gives a live pid's process group
 * (undefined when the process is gone or cannot be read, and then the time window alone decides).
 */
export function isOwnEventFile(file: string, window: RunWindow, groupOf?: (pid: number) => number | undefined): boolean {
  const name = parseEventFileName(basename(file));
  if (!name) return false;
  const ms = name.timestamp * 1000;
  if (ms < window.startMs - START_SLACK_MS) return false;
  if (window.endMs !== undefined && ms > window.endMs) return false;
  // Started in the second the run ended in: the name cannot tell (a next run may start that fast), the file's first
  // record, written at once with the writer's exact start time, can.
  if (window.endMs !== undefined && ms > window.endMs - 1000) {
    const exact = firstWallTimeMs(file);
    if (exact !== undefined && exact > window.endMs) return false;
  }
  if (window.endMs === undefined && window.pgid !== undefined && name.pid > 0 && groupOf) {
    const group = groupOf(name.pid);
    if (group !== undefined && group !== window.pgid) return false;
  }
  return true;
}

/**
 * The wall time (ms) of an event file's first record, the `file_version` event every writer flushes at once:
 * TFRecord framing (8-byte length, 4-byte CRC), then an Event whose field 1 is a double. Undefined when unreadable.
 */
export function firstWallTimeMs(file: string): number | undefined {
  let fd: number | undefined;
  try {
    fd = openRegularSync(file);
    const buf = Buffer.alloc(21);
    if (readSync(fd, buf, 0, 21, 0) < 21 || buf[12] !== 0x09) return undefined;
    const secs = buf.readDoubleLE(13);
    return Number.isFinite(secs) ? secs * 1000 : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
