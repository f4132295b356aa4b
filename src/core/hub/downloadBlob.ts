// One file's bytes into `blobs/<etag>.incomplete`, resumed from its size with a Range request, checked (sha256 for LFS
// files, the git blob sha1 else) and renamed to `blobs/<etag>` only when whole and right. Our own fetch rather than
// @huggingface/hub's downloadFile: that returns a Blob of the whole file (no Range from an offset, no streaming to
// disk), which can neither resume a half-downloaded file nor hold a 5 GB UNet.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { HubDownloadError, bytesText, hubAnswerError } from './downloadErrors';
import { isAbort, networkText, type HubClient } from './hubAccess';

/** Writes one chunk; injectable so tests can fill the disk (ENOSPC) without a real full disk. */
export type WriteChunk = (file: FileHandle, chunk: Uint8Array) => Promise<void>;

export const writeWhole: WriteChunk = async (file, chunk) => {
  let done = 0;
  while (done < chunk.length) done += (await file.write(chunk, done, chunk.length - done)).bytesWritten;
};

export interface BlobTarget {
  repo: string;
  path: string;
  etag: string;
  size: number;
  url: string;
  blob: string;
  incomplete: string;
}

export interface BlobOptions {
  signal?: AbortSignal;
  /** Bytes of this file now on disk (called as they arrive, and once with the resumed size). */
  onBytes?: (have: number) => void;
  writeChunk?: WriteChunk;
  /** Attempts after a dropped connection, each resuming from what arrived. Default 2. */
  retries?: number;
}

const sizeOf = async (p: string): Promise<number> => {
  try {
    return (await stat(p)).size;
  } catch {
    return 0;
  }
};

function hasherFor(etag: string, size: number): Hash {
  if (etag.length === 64) return createHash('sha256');
  const h = createHash('sha1');
  h.update(`blob ${size}\0`);
  return h;
}

async function hashFile(h: Hash, path: string, signal: AbortSignal | undefined): Promise<void> {
  for await (const chunk of createReadStream(path, signal ? { signal } : {})) h.update(chunk as Buffer);
}

/** A connection cut mid-body or refused: worth resuming. */
class Dropped extends Error {}

/** Downloads `t` into its blob. Throws HubDownloadError; the `.incomplete` stays for a resume unless the message says otherwise. */
export async function downloadBlob(hub: HubClient, t: BlobTarget, options: BlobOptions = {}): Promise<void> {
  await mkdir(dirname(t.incomplete), { recursive: true }).catch(async (e: unknown) => {
    throw await explain(e, t);
  });
  const retries = options.retries ?? 2;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchInto(hub, t, options);
      break;
    } catch (e) {
      if (e instanceof Dropped && attempt < retries && !options.signal?.aborted) continue;
      if (e instanceof Dropped)
        throw new HubDownloadError(
          'network',
          `The download of ${t.repo}: ${t.path} broke off (${e.cause !== undefined ? networkText(e.cause) : e.message}) with ${bytesText(await sizeOf(t.incomplete))} of ${bytesText(t.size)} kept in ${t.incomplete}: run Download again to resume it.`,
        );
      throw await explain(e, t);
    }
  }
  await verifyAndPlace(t, options.signal);
}

async function explain(e: unknown, t: BlobTarget): Promise<unknown> {
  if (isAbort(e)) {
    const have = await sizeOf(t.incomplete);
    return new HubDownloadError('cancelled', `Cancelled: ${bytesText(have)} of ${t.repo}: ${t.path} kept in ${t.incomplete}; the next Download resumes it.`);
  }
  if ((e as { code?: string }).code === 'ENOSPC') {
    const have = await sizeOf(t.incomplete);
    // Keeping the partial file would keep the disk full: remove it, and say so.
    await rm(t.incomplete, { force: true });
    return new HubDownloadError(
      'disk-full',
      `The disk is full (ENOSPC) while writing ${t.repo}: ${t.path} into ${dirname(t.incomplete)}: its partial file (${bytesText(have)}) was removed to give the space back. Free at least ${bytesText(t.size)} (or point HF_HUB_CACHE / HF_HOME at a larger disk), then run Download again.`,
    );
  }
  const code = (e as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new HubDownloadError(
      'cache-unwritable',
      `Cannot write into the Hugging Face cache at ${dirname(t.incomplete)} (${code}): make it writable, or point HF_HUB_CACHE / HF_HOME at a folder you can write, then run Download again.`,
    );
  return e;
}

async function fetchInto(hub: HubClient, t: BlobTarget, options: BlobOptions): Promise<void> {
  let have = await sizeOf(t.incomplete);
  if (have > t.size) {
    await rm(t.incomplete, { force: true });
    have = 0;
  }
  options.onBytes?.(have);
  if (have === t.size) return;
  const sameOrigin = new URL(t.url).origin === new URL(hub.hubUrl).origin;
  const headers: Record<string, string> = {
    // The token goes to the Hub only, never to a CDN the resolve URL points at.
    ...(hub.accessToken && sameOrigin ? { Authorization: `Bearer ${hub.accessToken}` } : {}),
    ...(have > 0 ? { Range: `bytes=${have}-` } : {}),
  };
  let res: Response;
  try {
    res = await hub.fetch(t.url, { headers, ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    if (isAbort(e)) throw e;
    throw new Dropped('request failed', { cause: e });
  }
  if (res.status === 416 && have > 0) {
    // The partial file does not fit the Hub's file any more: start over.
    await res.body?.cancel();
    await rm(t.incomplete, { force: true });
    throw new Dropped('range not satisfiable');
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw hubAnswerError(hub.lastRefusal() ?? { status: res.status }, t.repo, `${t.repo}: ${t.path}`, hub.hubUrl, hub.accessToken !== undefined);
  }
  let append = false;
  if (res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await rm(t.incomplete, { force: true });
      throw new Dropped(`the Hub answered the range from ${have} with ${res.headers.get('content-range') ?? 'no Content-Range'}`);
    }
    append = true;
  }
  // 200 to a Range request: the server sends the whole file, so the partial file is replaced.
  if (!append) options.onBytes?.(0);
  if (!res.body) throw new Dropped('no body');
  const chunks = readAhead(res.body);
  const write = options.writeChunk ?? writeWhole;
  let got = append ? have : 0;
  let file: FileHandle | undefined;
  try {
    file = await open(t.incomplete, append ? 'a' : 'w');
    for (;;) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await chunks.next();
      } catch (e) {
        if (isAbort(e) || options.signal?.aborted) throw abortError();
        throw new Dropped('connection dropped', { cause: e });
      }
      if (chunk === undefined) break;
      await write(file, chunk);
      got += chunk.length;
      options.onBytes?.(got);
      // Stop at once on cancel, even when the rest of the body is already buffered.
      if (options.signal?.aborted) throw abortError();
    }
  } finally {
    await chunks.cancel();
    await file?.close();
  }
  if (got < t.size) throw new Dropped(`the connection closed after ${got} of ${t.size} bytes`);
}

interface ReadAhead {
  /** The next chunk, or undefined at the end; throws the stream's error once the chunks read before it are taken. */
  next(): Promise<Uint8Array | undefined>;
  cancel(): Promise<void>;
}

/**
 * Reads the body into a bounded queue from the moment it is called, ahead of the (slower) disk writes. A web stream
 * that errors drops the chunks still queued in it, so without this the bytes that arrived just before a connection
 * dropped would be lost instead of kept for the resume. Call it before any await that lets I/O events run.
 */
function readAhead(body: ReadableStream<Uint8Array>, highWater = 16 * 1024 * 1024): ReadAhead {
  const reader = body.getReader();
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  const pump = (async () => {
    try {
      for (;;) {
        if (queued > highWater) await new Promise<void>((r) => (resume = r));
        const next = await reader.read();
        if (next.done) break;
        queue.push(next.value);
        queued += next.value.length;
        wake?.();
      }
    } catch (e) {
      failure = { error: e };
    } finally {
      ended = true;
      wake?.();
    }
  })();
  return {
    async next() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          queued -= chunk.length;
          resume?.();
          resume = undefined;
          return chunk;
        }
        if (ended) {
          if (failure) throw failure.error;
          return undefined;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
    async cancel() {
      if (!ended) await reader.cancel().catch(() => undefined);
      resume?.();
      await pump;
    },
  };
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

async function verifyAndPlace(t: BlobTarget, signal: AbortSignal | undefined): Promise<void> {
  const size = await sizeOf(t.incomplete);
  const h = hasherFor(t.etag, size);
  await hashFile(h, t.incomplete, signal);
  const digest = h.digest('hex');
  if (size !== t.size || digest !== t.etag) {
    await rm(t.incomplete, { force: true });
    throw new HubDownloadError(
      'checksum',
      `${t.repo}: ${t.path} arrived damaged (${size} of ${t.size} bytes, checksum ${digest.slice(0, 12)}… instead of ${t.etag.slice(0, 12)}…): the partial file was removed; run Download again.`,
    );
  }
  await rename(t.incomplete, t.blob);
}
