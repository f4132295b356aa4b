// TFRecord framing (uint64 length | masked crc32c(length) | payload | masked crc32c(payload)), read incrementally from a
// byte offset so a growing event file can be followed. Memory stays bounded: data is read through one window of
// `windowBytes` (grown only up to one record of at most `maxRecordBytes`), and corrupt regions are skipped by scanning
// for the next valid header rather than by trusting a length field.
import { open } from 'node:fs/promises';
import { maskedCrc32c } from './crc32c';

export const HEADER_BYTES = 12;
export const FOOTER_BYTES = 4;
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
const DEFAULT_WINDOW_BYTES = 1024 * 1024;

/** Random-access bytes: a file being appended to, or a buffer. `read` may return fewer bytes than asked near the end. */
export interface ByteSource {
  size(): Promise<number>;
  read(position: number, length: number): Promise<Uint8Array>;
}

/** Where to resume. `resyncing`: the offset is inside a corrupt region that has already been counted. */
export interface FrameState {
  offset: number;
  resyncing: boolean;
}

export const START: FrameState = Object.freeze({ offset: 0, resyncing: false });

export interface SkipCounts {
  /** Corrupt regions (bad length CRC, skipped up to the next valid header) plus records whose payload CRC is wrong. */
  badCrc: number;
  /** A record cut off at the end of the data; counted only in `final` mode (otherwise it is pending, to retry). */
  truncated: number;
  /** Records whose length is over `maxRecordBytes`: skipped without being read. */
  oversized: number;
}

export function noSkips(): SkipCounts {
  return { badCrc: 0, truncated: 0, oversized: 0 };
}

export function addSkips(into: SkipCounts, from: SkipCounts): SkipCounts {
  into.badCrc += from.badCrc;
  into.truncated += from.truncated;
  into.oversized += from.oversized;
  return into;
}

export interface ScanOptions {
  maxRecordBytes?: number;
  /** The data is complete (one-shot read): a partial trailing record counts as truncated instead of pending. */
  final?: boolean;
  /** Stop once this many bytes have been consumed in this call (the result says `more`); bounds work per poll. */
  maxBytes?: number;
  windowBytes?: number;
}

export interface ScanResult {
  state: FrameState;
  skipped: SkipCounts;
  /** Records handed to the callback. */
  records: number;
  /** Stopped early because of `maxBytes`; call again from `state`. */
  more: boolean;
}

/**
 * Reads records from `state` on, calling `onRecord(payload, offset)` for each one with a good CRC. `payload` is a view
 * into a reused window: copy what you keep. Never throws for bad data; I/O errors from `src` propagate.
 */
export async function scanRecords(
  src: ByteSource,
  state: FrameState,
  opts: ScanOptions,
  onRecord: (payload: Uint8Array, offset: number) => void,
): Promise<ScanResult> {
  const cap = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const budget = opts.maxBytes ?? Infinity;
  const win = new Window(src, opts.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const skipped = noSkips();
  const end = await src.size();
  const start = state.offset;
  let pos = state.offset;
  let resyncing = state.resyncing;
  let records = 0;
  let more = false;

  for (;;) {
    if (pos - start >= budget) {
      more = pos < end;
      break;
    }
    if (resyncing) {
      const found = await scanForHeader(win, pos, end, cap, start + budget);
      pos = found.pos;
      if (!found.found) {
        more = found.stoppedByBudget;
        if (opts.final && !more) pos = end; // no more data will come: the tail is part of the counted region
        break;
      }
      resyncing = false;
    }
    if (end - pos < HEADER_BYTES) {
      if (opts.final && end > pos) {
        skipped.truncated++;
        pos = end;
      }
      break;
    }
    const header = await win.get(pos, HEADER_BYTES);
    if (!header) break; // the file shrank under us: retry next time
    const length = headerLength(header);
    if (length === undefined) {
      skipped.badCrc++;
      resyncing = true;
      pos += 1;
      continue;
    }
    const total = HEADER_BYTES + length + FOOTER_BYTES;
    if (length > cap) {
      skipped.oversized++;
      if (end - pos >= total) pos += total;
      else {
        // Possibly a real record still being written, possibly garbage that passed the CRC: scanning forward never
        // gets stuck either way, and re-finds the records that follow once they exist.
        resyncing = true;
        pos += 1;
      }
      continue;
    }
    if (end - pos < total) {
      if (opts.final) {
        skipped.truncated++;
        pos = end;
      }
      break;
    }
    const rec = await win.get(pos, total);
    if (!rec) break;
    const payloadEnd = HEADER_BYTES + length;
    const want = u32le(rec, payloadEnd);
    if (maskedCrc32c(rec, HEADER_BYTES, payloadEnd) !== want) {
      skipped.badCrc++;
    } else {
      onRecord(rec.subarray(HEADER_BYTES, payloadEnd), pos);
      records++;
    }
    pos += total;
  }
  return { state: { offset: pos, resyncing }, skipped, records, more };
}

/** Reads every record of an in-memory buffer (tests, small files). Payloads are copied. */
export async function readRecordsFromBuffer(buf: Uint8Array, opts: ScanOptions = {}): Promise<{ records: { offset: number; data: Uint8Array }[]; result: ScanResult }> {
  const records: { offset: number; data: Uint8Array }[] = [];
  const result = await scanRecords(bufferSource(buf), START, { final: true, ...opts }, (p, offset) => records.push({ offset, data: p.slice() }));
  return { records, result };
}

export function bufferSource(buf: Uint8Array): ByteSource {
  return {
    size: async () => buf.length,
    read: async (position, length) => buf.subarray(position, Math.min(buf.length, position + length)),
  };
}

/**
 * A file opened for one scan and closed afterwards (so a tailed file can be deleted or rotated freely).
 * Use `withFileSource`.
 */
export async function withFileSource<T>(path: string, fn: (src: ByteSource) => Promise<T>): Promise<T> {
  const fh = await open(path, 'r');
  try {
    const src: ByteSource = {
      size: async () => (await fh.stat()).size,
      read: async (position, length) => {
        const out = Buffer.allocUnsafe(length);
        let got = 0;
        while (got < length) {
          const { bytesRead } = await fh.read(out, got, length - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return out.subarray(0, got);
      },
    };
    return await fn(src);
  } finally {
    await fh.close();
  }
}

/** The record length if `header` (12 bytes at `at`) has a valid masked CRC, else undefined. */
function headerLength(header: Uint8Array, at = 0): number | undefined {
  if (maskedCrc32c(header, at, at + 8) !== u32le(header, at + 8)) return undefined;
  const lo = u32le(header, at);
  const hi = u32le(header, at + 4);
  // Lengths past 2^53 cannot be a record; report them as over any cap.
  return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** Looks for the next position from `pos` holding a valid header with a length within `cap`. */
async function scanForHeader(win: Window, pos: number, end: number, cap: number, stopAt: number): Promise<{ found: boolean; pos: number; stoppedByBudget: boolean }> {
  let p = pos;
  while (end - p >= HEADER_BYTES) {
    if (p >= stopAt) return { found: false, pos: p, stoppedByBudget: true };
    const n = Math.min(end - p, win.windowBytes);
    const chunk = await win.get(p, n);
    if (!chunk || chunk.length < HEADER_BYTES) break;
    for (let i = 0; i + HEADER_BYTES <= chunk.length; i++) {
      const len = headerLength(chunk, i);
      if (len !== undefined && len <= cap) return { found: true, pos: p + i, stoppedByBudget: false };
    }
    p += chunk.length - HEADER_BYTES + 1;
  }
  // Nothing yet: the last 11 bytes may still start a header once more data arrives.
  return { found: false, pos: p, stoppedByBudget: false };
}

/** One reusable read window over a source: at most max(windowBytes, one record) bytes are held at a time. */
class Window {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  constructor(private readonly src: ByteSource, readonly windowBytes: number) {}

  /** `length` bytes at `pos`, or undefined if the source has fewer (it shrank). */
  async get(pos: number, length: number): Promise<Uint8Array | undefined> {
    if (pos >= this.start && pos + length <= this.start + this.data.length) {
      return this.data.subarray(pos - this.start, pos - this.start + length);
    }
    this.data = new Uint8Array(0); // release the old window before allocating the next
    this.data = await this.src.read(pos, Math.max(length, this.windowBytes));
    this.start = pos;
    return this.data.length >= length ? this.data.subarray(0, length) : undefined;
  }
}
