// Event-file framing on a 1 GiB file, against reading a valid file of the same size in the same process:
// - a corrupt file (random bytes; and zero-filled, as a crash can leave one) as the monitor reads it: resync scans at
//   most MAX_GARBAGE_BYTES of it, then skips the rest with a notice;
// - the same corrupt files scanned to the end (no give-up), which is the resync speed itself;
// - decoding one Summary of 100,000 values against building the values it yields.
// The files are virtual (a 1 MiB block repeated), so no disk and no 1 GiB allocation: each read copies out of the block
// for the valid and the corrupt file alike.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { maskedCrc32c } from '../../src/core/events/crc32c';
import { decodeEvent } from '../../src/core/events/event';
import { scanRecords, START, type ByteSource } from '../../src/core/events/tfrecord';
import type { BenchRow } from './dashboardBench';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;

function frame(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(payload.length), 0);
  head.writeUInt32LE(maskedCrc32c(head, 0, 8), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(payload), 0);
  return Buffer.concat([head, payload, foot]);
}

/** 1 MiB of whole records as a training run writes them: 2,000 scalar events and one validation image (the rest). */
function validBlock(): Buffer {
  const parts: Buffer[] = [];
  let used = 0;
  for (let i = 0; i < 2000; i++) {
    const f = frame(randomBytes(48));
    parts.push(f);
    used += f.length;
  }
  parts.push(frame(randomBytes(MiB - used - 16)));
  const block = Buffer.concat(parts);
  if (block.length !== MiB) throw new Error(`block is ${block.length} bytes`);
  return block;
}

/** An Event whose Summary holds `n` values, each a tag and a simple_value. */
function manyScalars(n: number): Buffer {
  const values: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const tag = Buffer.from(`t${i % 10}`);
    const f32 = Buffer.alloc(4);
    f32.writeFloatLE(i, 0);
    const value = Buffer.concat([Buffer.from([0x0a, tag.length]), tag, Buffer.from([0x15]), f32]);
    values.push(Buffer.from([0x0a, value.length]), value);
  }
  return withLength(5, Buffer.concat(values));
}

function withLength(field: number, data: Buffer): Buffer {
  const len: number[] = [];
  for (let v = data.length; ; v >>>= 7) {
    if (v < 0x80) {
      len.push(v);
      break;
    }
    len.push((v & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...len]), data]);
}

/** `size` bytes made of `block` repeated. */
function repeated(block: Uint8Array, size: number): ByteSource {
  return {
    size: async () => size,
    read: async (position, length) => {
      const n = Math.max(0, Math.min(length, size - position));
      const out = Buffer.allocUnsafe(n);
      for (let o = 0; o < n;) {
        const at = (position + o) % block.length;
        const k = Math.min(n - o, block.length - at);
        out.set(block.subarray(at, at + k), o);
        o += k;
      }
      return out;
    },
  };
}

async function time(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

export async function runEventBench(log: (line: string) => void = console.log): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const valid = repeated(validBlock(), SIZE);
  const random = repeated(randomBytes(MiB), SIZE);
  const zeros = repeated(new Uint8Array(MiB), SIZE);
  const scan = (src: ByteSource, maxGarbageBytes?: number) => async () => {
    const r = await scanRecords(src, START, { final: true, ...(maxGarbageBytes !== undefined ? { maxGarbageBytes } : {}) }, () => undefined);
    return r.records;
  };
  const baseMs = await time(scan(valid), 3);
  rows.push({ name: 'baseline: read a valid 1 GiB event file', medianMs: baseMs, ratio: 1 });
  for (const [name, src] of [
    ['random bytes', random],
    ['zeros', zeros],
  ] as const) {
    const ms = await time(scan(src), 5);
    rows.push({ name: `1 GiB of ${name}, as the monitor reads it`, medianMs: ms, ratio: ms / baseMs });
  }
  for (const [name, src] of [
    ['random bytes', random],
    ['zeros', zeros],
  ] as const) {
    const ms = await time(scan(src, Infinity), 3);
    rows.push({ name: `1 GiB of ${name}, resync to the end`, medianMs: ms, ratio: ms / baseMs });
  }
  // Decoding: a Summary of 100,000 scalar values (one record), against building the values it yields.
  const summary = manyScalars(100_000);
  const objectsMs = await time(
    async () => Array.from({ length: 100_000 }, (_, i) => ({ kind: 'scalar', tag: `t${i % 10}`, value: i, source: 'simple_value' })),
    5,
  );
  const decodeMs = await time(async () => decodeEvent(summary), 5);
  rows.push({ name: 'baseline: build 100,000 scalar values', medianMs: objectsMs, ratio: 1 });
  rows.push({ name: 'decodeEvent of one Summary of 100,000 scalar values', medianMs: decodeMs, ratio: decodeMs / objectsMs });
  for (const r of rows) log(`${r.name.padEnd(58)} ${r.medianMs.toFixed(2).padStart(10)} ms  ×${r.ratio.toFixed(2)}`);
  return rows;
}
