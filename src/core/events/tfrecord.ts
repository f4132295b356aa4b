// TFRecord framing (uint64 length | masked crc32c(length) | payload | masked crc32c(payload)), read incrementally from a
// byte offset so a growing event file can be followed. Memory stays bounded: data is read through one window of
// `windowBytes` (grown only up to one record of at most `maxRecordBytes`), and corrupt regions are skipped by scanning
// for the next valid header rather than by trusting a length field. That scan is bounded too: a cheap test of the
// length field's high bytes rules out most offsets before any CRC is computed, and after `maxGarbageBytes` without a
// valid record the rest of the file (as it is now) is given up on, reported in the result.
import { open } from 'node:fs/promises';
import { maskedCrc32c, maskedCrc32cOf8 } from './crc32c';

export const HEADER_BYTES = 12;
export const FOOTER_BYTES = 4;
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Corrupt bytes scanned in one file, with no valid record found, before the rest of it is skipped. */
export const DEFAULT_MAX_GARBAGE_BYTES = 64 * 1024 * 1024;
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
  /** While resyncing: where the corrupt region began (default `offset`), for the `maxGarbageBytes` limit. */
  garbageFrom?: number;
  /** While resyncing in final mode: the region began at a header whose length ran past the end (not yet counted). */
  cutAt?: number;
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
  /**
   * Give up on a corrupt region once this many bytes of it have been scanned without finding a valid record: skip to
   * the current end of the data (default DEFAULT_MAX_GARBAGE_BYTES). A growing file is then resynced from there.
   */
  maxGarbageBytes?: number;
  /** Counts the work done, for tests that bound it by operations rather than by time. */
  counters?: ScanCounters;
}

export interface ScanCounters {
  /** CRCs computed over 8-byte length fields (record headers read in order, and resync candidates). */
  headerCrcs: number;
}

/** A corrupt region given up on: no valid record in `[from, at)`; the scan skipped on to `to` (the end of the data). */
export interface GaveUp {
  from: number;
  at: number;
  to: number;
}

export interface ScanResult {
  state: FrameState;
  skipped: SkipCounts;
  /** Records handed to the callback. */
  records: number;
  /** Stopped early because of `maxBytes`; call again from `state`. */
  more: boolean;
  /** Set when this call gave up on a corrupt region (`maxGarbageBytes`). */
  gaveUp?: GaveUp;
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
  const maxGarbage = opts.maxGarbageBytes ?? DEFAULT_MAX_GARBAGE_BYTES;
  const counters = opts.counters;
  const win = new Window(src, opts.windowBytes ?? DEFAULT_WINDOW_BYTES);
  const skipped = noSkips();
  const end = await src.size();
  const start = state.offset;
  let pos = state.offset;
  let resyncing = state.resyncing;
  let garbageFrom = state.resyncing ? (state.garbageFrom ?? state.offset) : pos;
  /** The record at `pos` was found by a resync, so its length field is not yet to be trusted beyond its own CRC. */
  let justSynced = false;
  /**
   * Final mode: the resync started at a header whose length runs past the end. Counted as a truncated record if no
   * valid record follows it, else as a corrupt region (a cut record in the middle, or a length that lies).
   */
  let cutAt = state.resyncing ? state.cutAt : undefined;
  let records = 0;
  let more = false;
  let gaveUp: GaveUp | undefined;

  const startResync = (from: number, at: number) => {
    resyncing = true;
    garbageFrom = from;
    pos = at;
  };

  for (;;) {
    if (pos - start >= budget) {
      more = pos < end;
      break;
    }
    if (resyncing) {
      const limit = garbageFrom + maxGarbage;
      const found = await scanForHeader(win, pos, end, cap, Math.min(start + budget, limit), counters);
      pos = found.pos;
      if (!found.found) {
        if (found.stopped && pos >= limit) {
          // No valid record in maxGarbage bytes: skip what is there now; a growing file is resynced from its end.
          gaveUp = { from: garbageFrom, at: pos, to: Math.max(pos, end) };
          pos = gaveUp.to;
          garbageFrom = pos;
          if (cutAt !== undefined) skipped.badCrc++;
          cutAt = undefined;
          break;
        }
        more = found.stopped;
        if (opts.final && !more) {
          pos = end; // no more data will come: the tail is part of the counted region
          if (cutAt !== undefined) skipped.truncated++;
          cutAt = undefined;
        }
        break;
      }
      if (cutAt !== undefined) skipped.badCrc++;
      cutAt = undefined;
      resyncing = false;
      justSynced = true;
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
    if (counters) counters.headerCrcs++;
    const length = headerLength(header);
    if (length === undefined) {
      skipped.badCrc++;
      startResync(pos, pos + 1);
      continue;
    }
    const total = HEADER_BYTES + length + FOOTER_BYTES;
    if (length > cap) {
      skipped.oversized++;
      if (end - pos >= total) pos += total;
      // Possibly a real record still being written, possibly garbage that passed the CRC: scanning forward never
      // gets stuck either way, and re-finds the records that follow once they exist.
      else startResync(pos, pos + 1);
      justSynced = false;
      continue;
    }
    if (end - pos < total) {
      if (justSynced) {
        // Unproven header: a complete file goes on scanning past it; a growing one resyncs to it again next time.
        if (opts.final) {
          startResync(garbageFrom, pos + 1);
          justSynced = false;
          continue;
        }
        resyncing = true;
        break;
      }
      if (opts.final) {
        // Cut short at the end of the file, or a header whose length lies: records after it decide which.
        cutAt = pos;
        startResync(pos, pos + 1);
        continue;
      }
      break;
    }
    const rec = await win.get(pos, total);
    if (!rec) {
      resyncing ||= justSynced;
      break;
    }
    const payloadEnd = HEADER_BYTES + length;
    const want = u32le(rec, payloadEnd);
    if (maskedCrc32c(rec, HEADER_BYTES, payloadEnd) !== want) {
      if (justSynced) {
        // A header found by the resync whose payload is wrong is most likely garbage that passed the 32-bit check:
        // keep scanning inside the same region instead of jumping over `length` bytes that may hold good records.
        startResync(garbageFrom, pos + 1);
        justSynced = false;
        continue;
      }
      // The header's CRC passed, but the record is wrong: a flipped payload bit, or a length that lies (a record cut
      // short, with the next ones inside the claimed length). Resync from the next byte: that finds the next record
      // at pos + total in the first case and does not jump over good records in the second.
      skipped.badCrc++;
      startResync(pos, pos + 1);
      justSynced = false;
      continue;
    }
    onRecord(rec.subarray(HEADER_BYTES, payloadEnd), pos);
    records++;
    justSynced = false;
    pos += total;
  }
  const next: FrameState = resyncing ? { offset: pos, resyncing, garbageFrom, ...(cutAt !== undefined ? { cutAt } : {}) } : { offset: pos, resyncing };
  return { state: next, skipped, records, more, ...(gaveUp ? { gaveUp } : {}) };
}

/** Reads every record of an in-memory buffer (tests, small files). Payloads are copied. */
export async function readRecordsFromBuffer(
  buf: Uint8Array,
  opts: ScanOptions = {},
): Promise<{ records: { offset: number; data: Uint8Array }[]; result: ScanResult }> {
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

/**
 * Looks for the next position from `pos` (and before `stopAt`) holding a valid header with a length within `cap`.
 * `stopped`: `stopAt` was reached (a budget or the garbage limit), not the end of the data.
 */
async function scanForHeader(
  win: Window,
  pos: number,
  end: number,
  cap: number,
  stopAt: number,
  counters: ScanCounters | undefined,
): Promise<{ found: boolean; pos: number; stopped: boolean }> {
  let p = pos;
  while (end - p >= HEADER_BYTES) {
    if (p >= stopAt) return { found: false, pos: p, stopped: true };
    // Candidates are offsets in [p, last]; the chunk holds the 12 bytes of each.
    const n = Math.min(end - p, win.windowBytes, stopAt - p + HEADER_BYTES - 1);
    const chunk = await win.get(p, n);
    if (!chunk || chunk.length < HEADER_BYTES) break;
    const i = findHeader(chunk, chunk.length - HEADER_BYTES, cap, counters);
    if (i >= 0) return { found: true, pos: p + i, stopped: false };
    p += chunk.length - HEADER_BYTES + 1;
  }
  // Nothing yet: the last 11 bytes may still start a header once more data arrives.
  return { found: false, pos: p, stopped: false };
}

/** The masked CRC of an all-zero length field: zero-filled regions (left by a crash) are then ruled out without one. */
const ZERO_LENGTH_CRC = maskedCrc32c(new Uint8Array(8));

/**
 * The first offset in `b[0, last]` holding a valid header with a length within `cap`, or -1. A length within any cap
 * below 4 GiB has its four high bytes zero, so most offsets are ruled out by looking at one byte: a non-zero byte at
 * i+7 rules out the offsets i..i+3 together. Only offsets that pass compute a CRC.
 */
function findHeader(b: Uint8Array, last: number, cap: number, counters: ScanCounters | undefined): number {
  if (cap >= 0x100000000) return findHeaderSlow(b, last, cap, counters);
  let i = 0;
  while (i <= last) {
    if (b[i + 7] !== 0) i += 4;
    else if (b[i + 6] !== 0) i += 3;
    else if (b[i + 5] !== 0) i += 2;
    else if (b[i + 4] !== 0) i += 1;
    else {
      const length = u32le(b, i);
      if (length <= cap) {
        const want = u32le(b, i + 8);
        if (length === 0) {
          if (want === ZERO_LENGTH_CRC) return i;
          if (want === 0) {
            // Twelve zero bytes: no offset whose header lies wholly inside this run of zeros can be one, so jump to
            // the first offset whose header reaches the next non-zero byte.
            let k = i + HEADER_BYTES;
            while (k < b.length && b[k] === 0) k++;
            i = Math.max(i + 1, k - HEADER_BYTES + 1);
            continue;
          }
        } else {
          if (counters) counters.headerCrcs++;
          if (maskedCrc32cOf8(b, i) === want) return i;
        }
      }
      i++;
    }
  }
  return -1;
}

/** findHeader for caps of 4 GiB and more (not used by the reader's defaults): a CRC per offset. */
function findHeaderSlow(b: Uint8Array, last: number, cap: number, counters: ScanCounters | undefined): number {
  for (let i = 0; i <= last; i++) {
    if (counters) counters.headerCrcs++;
    const len = headerLength(b, i);
    if (len !== undefined && len <= cap) return i;
  }
  return -1;
}

/** One reusable read window over a source: at most max(windowBytes, one record) bytes are held at a time. */
class Window {
  private start = 0;
  private data: Uint8Array = new Uint8Array(0);
  constructor(
    private readonly src: ByteSource,
    readonly windowBytes: number,
  ) {}

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
