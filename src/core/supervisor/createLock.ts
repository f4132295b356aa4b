// One lock per records folder around "check that the output_dir is free, then write the record": two windows (or a
// window and the CLI) starting runs on one workspace at the same moment would otherwise both pass the check and
// both start a training in the same output_dir. The section it guards is a few file operations, so waiters poll.
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { delay } from './poll';
import { pidExists } from './processTree';
import { ensureRecordsDir } from './runRecord';
import { readRegularFileSync } from '../util/regularFile';

export const CREATE_LOCK = '.create.lock';

/** A lock older than this is taken for one left by a process whose pid was reused. */
const STALE_MS = 60_000;

export class CreateLockTimeout extends Error {
  constructor(lock: string, owner: string) {
    super(`another window or command is starting a run in this workspace (${lock} held by ${owner}); try again`);
    this.name = 'CreateLockTimeout';
  }
}

/** Takes the lock once: true when taken; a lock whose owner is dead (or that is stale) is broken first. */
function tryTake(lock: string): { taken: true } | { taken: false; owner: string } {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return { taken: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let text = '';
    let ageMs = 0;
    try {
      text = readRegularFileSync(lock, 64).trim();
      ageMs = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released between open and read: try again
    }
    const owner = Number(text);
    // An empty file is a lock being written this instant; only a stale one is broken.
    const dead = text !== '' && (!Number.isInteger(owner) || owner <= 0 || !pidExists(owner));
    if (!dead && ageMs < STALE_MS) return { taken: false, owner: text ? `process ${text}` : 'a process starting' };
    rmSync(lock, { force: true });
  }
  return { taken: false, owner: 'a process that keeps taking it' };
}

/**
 * Runs `fn` holding the records folder's create lock; waits (polling) up to `timeoutMs` for another holder.
 * Throws CreateLockTimeout when it stays held, or whatever `fn` throws (the lock is released either way).
 */
export async function withCreateLock<T>(recordsDir: string, fn: () => T | Promise<T>, timeoutMs = 15_000): Promise<T> {
  ensureRecordsDir(recordsDir);
  const lock = join(recordsDir, CREATE_LOCK);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = tryTake(lock);
    if (got.taken) break;
    if (Date.now() >= end) throw new CreateLockTimeout(lock, got.owner);
    await delay(10);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}
