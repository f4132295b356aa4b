// Atomic JSON files: write a temporary sibling, then rename over the target, so a reader never sees half a record.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { readRegularFileSync, UnreadableFileError } from '../util/regularFile';
import { basename, dirname, join } from 'node:path';
import { errText } from '../util/errText';

/** A run record could not be written (disk full, read-only folder, ...). The message names the file and the cause. */
export class RecordWriteError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    cause: unknown,
  ) {
    super(`cannot write run record ${path}: ${describeFsError(cause)}`);
  }
}

const FS_CAUSES: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC)',
  EDQUOT: 'the disk quota is exceeded (EDQUOT)',
  EROFS: 'the file system is read-only (EROFS)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  ENOTDIR: 'a parent of the path is a file, not a folder (ENOTDIR)',
  EISDIR: 'a folder is in the way of the file (EISDIR)',
  ENOENT: 'the folder does not exist (ENOENT)',
};

export function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code && FS_CAUSES[code]) return FS_CAUSES[code]!;
  return errText(e);
}

/**
 * Writes `value` as JSON to `path` atomically; throws RecordWriteError on any file-system failure. Owner-only (0600):
 * run records name the user's paths, commands and environment.
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o600);
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one worth reporting
      }
    }
    rmSync(tmp, { force: true });
    throw new RecordWriteError(path, (e as NodeJS.ErrnoException).code, e);
  }
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * writeJsonAtomic for a record that must not go stale: when the atomic write fails for want of space (a full disk
 * or no free inode, so the temporary copy cannot be made), an existing file is rewritten in place, reusing its own
 * inode and blocks. Not atomic then, which readers survive (they retry a half-written file on their next pass);
 * a stale final state would be worse. Returns the atomic write's error, if any, so the caller can report it, and
 * whether the value reached the file anyway.
 */
export function writeJsonRecord(path: string, value: unknown): { error?: RecordWriteError; saved: boolean } {
  try {
    writeJsonAtomic(path, value);
    return { saved: true };
  } catch (e) {
    const error = e instanceof RecordWriteError ? e : new RecordWriteError(path, undefined, e);
    if (!error.code || !NO_SPACE.has(error.code) || !existsSync(path)) return { error, saved: false };
    try {
      writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
      return { error, saved: true };
    } catch {
      return { error, saved: false };
    }
  }
}

/** Record files (run.json, exit.json, labels.json, queue.json) are a few KiB; a planted one may be anything. */
export const RECORD_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Reads a JSON file; undefined when it does not exist; throws with the path named when it is not valid JSON, not a
 * regular file (a FIFO is never waited on) or over RECORD_FILE_MAX_BYTES.
 */
export function readJsonIfExists<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readRegularFileSync(path, RECORD_FILE_MAX_BYTES);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(e instanceof UnreadableFileError ? e.message : `cannot read ${path}: ${describeFsError(e)}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${path} is not valid JSON: ${errText(e)}`);
  }
}
