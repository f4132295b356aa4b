// Opening files of a run record or a workspace that someone else may have planted. A plain open() of a FIFO waits for
// a writer: synchronously that freezes the extension host, asynchronously it takes one of libuv's four pool threads
// for good (four such files stop every file read). These open without waiting (O_NONBLOCK) and refuse anything but a
// regular file (a FIFO, a device such as /dev/zero behind a link, a folder) with a clear error; whole-file reads are
// capped in size, since a record file is small and a planted one may not be.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** O_NONBLOCK where the platform has it (not on Windows, where opening a pipe by path does not wait like this). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export interface OpenRegularOptions {
  /** Past this size the file is refused (ETOOBIG). */
  maxBytes?: number;
  /** false: a symbolic link is refused instead of followed (O_NOFOLLOW; where the platform has it). */
  followLinks?: boolean;
}

const flagsOf = (o: OpenRegularOptions): number => READ_FLAGS | (o.followLinks === false ? (constants.O_NOFOLLOW ?? 0) : 0);

/** A file that is not a regular file, or too large to read whole. `code` as Node's errors carry one. */
export class UnreadableFileError extends Error {
  constructor(
    readonly path: string,
    readonly code: 'ENOTREG' | 'ETOOBIG',
    why: string,
  ) {
    super(`${path} ${why}`);
  }
}

function check(path: string, st: Stats, maxBytes: number | undefined): void {
  if (!st.isFile()) throw new UnreadableFileError(path, 'ENOTREG', `is not a regular file (${kindOf(st)})`);
  if (maxBytes !== undefined && st.size > maxBytes)
    throw new UnreadableFileError(path, 'ETOOBIG', `is ${st.size} bytes long, more than the ${maxBytes} a file of this kind may have`);
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/** The open file and its size, once checked to be a regular file (closed again when it is not). */
function openCheckedSync(path: string, o: OpenRegularOptions): { fd: number; size: number } {
  const fd = openSync(path, flagsOf(o));
  try {
    const st = fstatSync(fd);
    check(path, st, o.maxBytes);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

async function openChecked(path: string, o: OpenRegularOptions): Promise<{ fh: FileHandle; size: number }> {
  const fh = await open(path, flagsOf(o));
  try {
    const st = await fh.stat();
    check(path, st, o.maxBytes);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/** Opens a regular file for reading without ever waiting on it; throws UnreadableFileError for anything else. */
export function openRegularSync(path: string, o: OpenRegularOptions = {}): number {
  return openCheckedSync(path, o).fd;
}

/** openRegularSync's asynchronous form. */
export async function openRegular(path: string, o: OpenRegularOptions = {}): Promise<FileHandle> {
  return (await openChecked(path, o)).fh;
}

/** A whole regular file of at most `maxBytes`, as UTF-8. Throws ENOENT and the like as fs does, UnreadableFileError else. */
export function readRegularFileSync(path: string, maxBytes: number): string {
  const { fd, size } = openCheckedSync(path, { maxBytes });
  try {
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}

/** readRegularFileSync's asynchronous form. */
export async function readRegularFile(path: string, maxBytes: number): Promise<string> {
  const { fh, size } = await openChecked(path, { maxBytes });
  try {
    const buf = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await fh.read(buf, got, size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    await fh.close();
  }
}
