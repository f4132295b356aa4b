// One download of a blob at a time: two (two windows, the editor and the CLI) would append to the same `.incomplete`.
// A lock file holding the owner's pid, taken with O_EXCL; one whose process is gone is stale and taken over. Our own
// file under `.locks/`, not huggingface_hub's `<etag>.lock` (that one is an flock the Python side holds; Node has none).
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pidAlive } from '../util/pidAlive';
import { HubDownloadError } from './downloadErrors';

async function take(lock: string): Promise<boolean> {
  try {
    const f = await open(lock, 'wx');
    await f.writeFile(String(process.pid));
    await f.close();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'EEXIST') return false;
    throw e;
  }
}

/** Runs `run` holding `lock`; `what` names the file for the "already downloading" message. */
export async function withBlobLock<T>(lock: string, what: string, run: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lock), { recursive: true });
  if (!(await take(lock))) {
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid))
      throw new HubDownloadError(
        'busy',
        `${what} is being downloaded by another process (pid ${pid}): wait for it to finish (or stop it), then run Download again.`,
      );
    await rm(lock, { force: true });
    if (!(await take(lock))) throw new HubDownloadError('busy', `${what} is being downloaded by another process: run Download again when it has finished.`);
  }
  try {
    return await run();
  } finally {
    await rm(lock, { force: true });
  }
}
