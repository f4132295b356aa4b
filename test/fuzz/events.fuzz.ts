// Fuzz: the event-file reader (TFRecord framing + Event decoding) on files built of intact records and corrupt pieces
// (random bytes, zeros, flipped bits, cut records, headers whose CRC passes but whose length lies), read in one pass
// and, for a quarter of the cases, incrementally (growing prefixes, small budgets and windows), now and then through
// the EventTailer on a real file. Sizes: most files a few KiB; a fixed share with pieces of up to 300 KB; one case in
// a thousand with a record of up to 200,000 values and 1 to 4 MiB to resync through (views of buffers made once).
// Properties: nothing throws; every record returned is really framed there; every intact record is read (in one pass,
// and incrementally unless a lying header points past the end of the whole file, where a follower must wait); an
// intact scalar event decodes to its values; a given-up region is reported and skipped only to the end of the data.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { maskedCrc32c } from '../../src/core/events/crc32c';
import { decodeEvent } from '../../src/core/events/event';
import { EventTailer } from '../../src/core/events/eventDir';
import { bufferSource, readRecordsFromBuffer, scanRecords, START, type FrameState } from '../../src/core/events/tfrecord';
import { Rng, runFuzz } from './fuzzKit';

// ------------------------------------------------------------------ writing event files (test side, independent)

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

function bytesField(no: number, data: Uint8Array): Uint8Array {
  return Buffer.concat([Uint8Array.from([...varint((no << 3) | 2), ...varint(data.length)]), data]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function scalarEvent(tag: string, value: number, step: number, wallTime: number): Uint8Array {
  const wt = Buffer.alloc(9);
  wt[0] = 0x09;
  wt.writeDoubleLE(wallTime, 1);
  const sv = Buffer.alloc(5);
  sv[0] = 0x15;
  sv.writeFloatLE(value, 1);
  const val = concat([bytesField(1, Buffer.from(tag)), sv]);
  return concat([wt, Uint8Array.from([0x10, ...varint(step)]), bytesField(5, bytesField(1, val))]);
}

/** A Summary with `n` empty values: a record whose value list is longer than a function call takes arguments. */
function manyValuesEvent(n: number): Uint8Array {
  const one = bytesField(1, new Uint8Array(0));
  const summary = new Uint8Array(one.length * n);
  for (let i = 0; i < n; i++) summary.set(one, i * one.length);
  return bytesField(5, summary);
}

function frame(payload: Uint8Array): Uint8Array {
  const out = Buffer.alloc(12 + payload.length + 4);
  out.writeBigUInt64LE(BigInt(payload.length), 0);
  out.writeUInt32LE(maskedCrc32c(out, 0, 8), 8);
  out.set(payload, 12);
  out.writeUInt32LE(maskedCrc32c(payload), 12 + payload.length);
  return out;
}

function lyingHeader(length: bigint): Uint8Array {
  const h = Buffer.alloc(12);
  h.writeBigUInt64LE(length, 0);
  h.writeUInt32LE(maskedCrc32c(h, 0, 8), 8);
  return h;
}

/** Some offset holds a header with a good CRC, a length within the reader's cap, and fewer bytes after it than it claims. */
const ZERO_LENGTH_CRC = maskedCrc32c(new Uint8Array(8));
function headerPastEnd(buf: Uint8Array): boolean {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let o = 0; o + 12 <= b.length; o++) {
    if (b.readUInt32LE(o + 4) !== 0) continue;
    // A run of zeros has a zero length at every offset: its CRC is known, no need to compute it at each.
    if (b.readUInt32LE(o) === 0 && b.readUInt32LE(o + 8) !== ZERO_LENGTH_CRC) continue;
    if (maskedCrc32c(b, o, o + 8) !== b.readUInt32LE(o + 8)) continue;
    const len = b.readUInt32LE(o);
    if (len <= 64 * 1024 * 1024 && o + 16 + len > b.length) return true;
  }
  return false;
}

/** The record framed at `offset` of `buf`, if one really is. */
function framedAt(buf: Uint8Array, offset: number): Uint8Array | undefined {
  if (offset + 12 > buf.length) return undefined;
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (maskedCrc32c(b, offset, offset + 8) !== b.readUInt32LE(offset + 8)) return undefined;
  const len = Number(b.readBigUInt64LE(offset));
  if (offset + 16 + len > b.length) return undefined;
  if (maskedCrc32c(b, offset + 12, offset + 12 + len) !== b.readUInt32LE(offset + 12 + len)) return undefined;
  return b.subarray(offset + 12, offset + 12 + len);
}

// ------------------------------------------------------------------ inputs

interface Intact {
  offset: number;
  payload: Uint8Array;
  scalar?: { tag: string; value: number; step: number; wallTime: number };
}

interface EventFile {
  data: Uint8Array;
  /** The size class it was made for: most files small, a fixed share with pieces of ~300 KB, a few with a giant record. */
  size: 'small' | 'medium' | 'giant';
  intact: Intact[];
  /** A header with a good CRC claims more bytes than the whole file has after it: a follower waits there. */
  waitsPastEnd: boolean;
  /** Corrupt pieces, for the description. */
  pieces: string[];
  maxGarbageBytes?: number;
  windowBytes: number;
  /** Also read as a follower would (growing prefixes, small budgets): a share of the cases, as it costs several passes. */
  incremental: boolean;
  viaTailer: boolean;
}

// Shares of the size classes, per mille. Medium files have corrupt pieces of up to 300 KB; giant ones a record of a
// Summary with up to 200,000 values (more fields than a message may have, more values than a call takes arguments)
// and 1 to 4 MiB of random bytes or zeros to resync through.
const MEDIUM_PER_MILLE = 10;
const GIANT_PER_MILLE = 1;
const ZEROS = new Uint8Array(4 << 20);
let randomPool: Uint8Array | undefined;
const INCREMENTAL_SHARE = 0.25;
const TAILER_SHARE = 0.005;

function payloadOf(rng: Rng, big: boolean): { payload: Uint8Array; scalar?: Intact['scalar'] } {
  const r = rng.int(99);
  if (r < 70) {
    const scalar = {
      tag: rng.pick(['train_loss', 'lr', 'loss', 'x/y', '', rng.string(rng.size(40))]),
      value: Math.fround(rng.pick([0, 1, -1, 0.25, 1e-8, 3e38, Infinity, -Infinity, rng.u32() / 7])),
      step: rng.chance(0.1) ? 2 ** 40 : rng.int(1_000_000),
      wallTime: rng.chance(0.1) ? 0 : 1.7e9 + rng.u32() / 1000,
    };
    return { payload: scalarEvent(scalar.tag, scalar.value, scalar.step, scalar.wallTime), scalar };
  }
  return { payload: rng.bytes(rng.size(big ? 3000 : 1000)) };
}

function eventFile(rng: Rng): EventFile {
  const r = rng.int(1000);
  const sizeClass = r < GIANT_PER_MILLE ? 'giant' : r < GIANT_PER_MILLE + MEDIUM_PER_MILLE ? 'medium' : 'small';
  const big = sizeClass !== 'small';
  const garbageBytes = () => rng.size(big ? (rng.chance(0.3) ? 300_000 : 4096) : 1024) + 1;
  const parts: Uint8Array[] = [];
  const intact: Intact[] = [];
  const pieces: string[] = [];
  let size = 0;
  let waitsPastEnd = false;
  const lying: Array<{ at: number; claims: number }> = [];
  const add = (b: Uint8Array) => {
    parts.push(b);
    size += b.length;
  };
  const n = rng.size(60);
  const giantAt = sizeClass === 'giant' ? rng.int(n + 1) : -1;
  for (let i = 0; i <= n; i++) {
    if (i === giantAt) {
      // A record of many values, and 1 to 4 MiB of random bytes or zeros (views of buffers made once).
      const payload = manyValuesEvent(rng.between(1000, 200_000));
      intact.push({ offset: size, payload });
      add(frame(payload));
      const n = rng.between(1 << 20, 4 << 20);
      if (rng.chance(0.5)) {
        pieces.push('giant random');
        randomPool ??= new Rng(0x5eed).bytes(4 << 20);
        const from = rng.int(randomPool.length - n + 1);
        add(randomPool.subarray(from, from + n));
      } else {
        pieces.push('giant zeros');
        add(ZEROS.subarray(0, n));
      }
    }
    if (i === n) break;
    if (rng.chance(0.75)) {
      const { payload, scalar } = payloadOf(rng, big);
      intact.push({ offset: size, payload, ...(scalar ? { scalar } : {}) });
      add(frame(payload));
      continue;
    }
    const kind = rng.int(8);
    const rec = frame(payloadOf(rng, big).payload);
    switch (kind) {
      case 0:
        pieces.push('random');
        add(rng.bytes(garbageBytes()));
        break;
      case 1:
        pieces.push('zeros');
        add(new Uint8Array(garbageBytes()));
        break;
      case 2: {
        // a bit flipped in the length or its CRC
        pieces.push('bad header');
        rec[rng.int(12)]! ^= 1 << rng.int(8);
        add(rec);
        break;
      }
      case 3: {
        // a bit flipped in the payload or its CRC: the length is still right
        pieces.push('bad payload');
        rec[12 + rng.int(rec.length - 12)]! ^= 1 << rng.int(8);
        add(rec);
        break;
      }
      case 4: {
        // a record cut short: its header claims bytes that now belong to what follows
        pieces.push('cut record');
        const cut = rng.between(12, rec.length - 1);
        lying.push({ at: size, claims: rec.length });
        add(rec.subarray(0, cut));
        break;
      }
      case 5: {
        // a header that passes its CRC and claims a plausible length
        pieces.push('lying header');
        const claims = rng.size(big ? 100_000 : 4096);
        lying.push({ at: size, claims: 16 + claims });
        add(lyingHeader(BigInt(claims)));
        break;
      }
      case 6:
        pieces.push('oversized header');
        add(lyingHeader(rng.chance(0.5) ? 1n << 40n : BigInt(64 * 1024 * 1024 + rng.int(1000))));
        break;
      default: {
        // a duplicate of bytes already written (repeats whole records or pieces of them)
        pieces.push('duplicate');
        const all = concat(parts);
        const from = rng.int(all.length + 1);
        add(all.slice(from, from + rng.size(big ? 5000 : 1500)));
      }
    }
  }
  const data = concat(parts);
  for (const l of lying) if (l.at + l.claims > size) waitsPastEnd = true;
  // Duplicated bytes can cut a record too: look for any header with a good CRC whose record runs past the end.
  waitsPastEnd ||= headerPastEnd(data);
  const small = rng.chance(0.15);
  return {
    data,
    size: sizeClass,
    intact,
    waitsPastEnd,
    pieces,
    ...(small ? { maxGarbageBytes: rng.between(16, 50_000) } : {}),
    // Small windows test the edges of every read, but cost an await per few bytes: now and then only.
    // Megabytes are read in big windows (each window read is an await, and the test runner hooks every promise).
    windowBytes: sizeClass === 'giant' ? rng.pick([65536, 1024 * 1024]) : rng.chance(0.03) ? rng.pick([16, 64]) : rng.pick([1000, 4096, 65536, 1024 * 1024]),
    // Giant files are read in one pass only: the follower's reading is tested on the small and medium ones.
    incremental: sizeClass !== 'giant' && rng.chance(INCREMENTAL_SHARE),
    viaTailer: sizeClass !== 'giant' && rng.chance(TAILER_SHARE),
  };
}

// ------------------------------------------------------------------ properties

type Got = Map<number, Uint8Array>;

function assertFramed(f: EventFile, got: Got, how: string): void {
  let prev = -1;
  for (const [offset, payload] of got) {
    assert.ok(offset > prev, `${how}: offsets in order`);
    prev = offset;
    const real = framedAt(f.data, offset);
    assert.ok(real && Buffer.compare(Buffer.from(real), Buffer.from(payload)) === 0, `${how}: the record at ${offset} is really framed there`);
  }
}

/**
 * Another record, really framed, that was read covers part of `r`: corrupt bytes can make one by chance (a header
 * that lies by exactly 8 bytes takes the next record's length field as its payload and that field's CRC as its own).
 */
function overlapsRead(got: Got, r: Intact): boolean {
  const end = r.offset + 16 + r.payload.length;
  for (const [offset, payload] of got) if (offset !== r.offset && offset < end && offset + 16 + payload.length > r.offset) return true;
  return false;
}

function assertDecodes(f: EventFile, got: Got): void {
  const scalars = new Map(f.intact.map((r) => [r.offset, r.scalar]));
  for (const [offset, payload] of got) {
    const d = decodeEvent(payload);
    const want = scalars.get(offset);
    if (!want) continue;
    assert.ok(d.ok, `the scalar event at ${offset} decodes`);
    const tag = Buffer.from(want.tag).toString(); // as UTF-8 carries it: a lone surrogate becomes U+FFFD
    assert.deepEqual(
      [d.event.step, d.event.wallTime, d.event.values],
      [want.step, want.wallTime, [{ kind: 'scalar', tag, value: want.value, source: 'simple_value' }]],
    );
  }
}

async function onePass(f: EventFile): Promise<{ got: Got; gaveUp: boolean }> {
  const got: Got = new Map();
  const { records, result } = await readRecordsFromBuffer(f.data, {
    windowBytes: f.windowBytes,
    ...(f.maxGarbageBytes ? { maxGarbageBytes: f.maxGarbageBytes } : {}),
  });
  for (const r of records) {
    assert.ok(!got.has(r.offset), `one pass: the record at ${r.offset} is read once`);
    got.set(r.offset, r.data);
  }
  assert.equal(result.state.offset, f.data.length, 'one pass reads to the end');
  if (result.gaveUp) assert.equal(result.gaveUp.to, f.data.length);
  return { got, gaveUp: result.gaveUp !== undefined };
}

/** As a follower sees a file growing: prefixes of random lengths, each read in calls of a random budget. */
async function incremental(f: EventFile, rng: Rng): Promise<Got> {
  const got: Got = new Map();
  let state: FrameState = START;
  let end = 0;
  for (let round = 0; end < f.data.length && round < 12; round++) {
    end = round === 11 ? f.data.length : Math.min(f.data.length, end + rng.size(f.data.length));
    const src = bufferSource(f.data.subarray(0, end));
    // Budgets as small as a few records (the tailer's is 64 MiB): each call costs a little on top of its bytes.
    const budget = rng.chance(0.5) ? rng.between(Math.max(1, end >> 6), Math.max(2, end >> 2)) : undefined;
    for (let calls = 0; calls < 100_000; calls++) {
      const r = await scanRecords(
        src,
        state,
        { windowBytes: f.windowBytes, ...(budget ? { maxBytes: budget } : {}), ...(f.maxGarbageBytes ? { maxGarbageBytes: f.maxGarbageBytes } : {}) },
        (p, offset) => {
          assert.ok(!got.has(offset), `incremental: the record at ${offset} is read once`);
          got.set(offset, p.slice());
        },
      );
      assert.ok(r.state.offset <= end && r.state.offset >= state.offset, 'incremental: the offset moves forward within the data');
      state = r.state;
      if (!r.more) break;
    }
  }
  return got;
}

async function viaTailer(f: EventFile, rng: Rng, got: Got): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-fuzz-events-'));
  try {
    const file = join(dir, 'events.out.tfevents.1700000000.h.1.0');
    writeFileSync(file, '');
    const tailer = new EventTailer(dir, { maxBytesPerRead: rng.between(100, 100_000), ...(f.maxGarbageBytes ? { maxGarbageBytes: f.maxGarbageBytes } : {}) });
    const offsets: number[] = [];
    for (let at = 0; at < f.data.length;) {
      // At most ~20 appends: each poll goes to the file system.
      const n = Math.max(1, Math.ceil(f.data.length / 20), rng.size(f.data.length - at));
      appendFileSync(file, f.data.subarray(at, at + n));
      at += n;
      for (let i = 0; i < 1000; i++) {
        const b = await tailer.readNew();
        for (const p of b.problems) assert.match(p.kind, /^(decode|corrupt)$/, p.message);
        for (const e of b.events) offsets.push(e.offset);
        if (!b.more) break;
      }
    }
    // As in one pass, an intact record that another valid record overlaps (framed by the bytes around it) is read as
    // that one: the tailer reports it as an event or, undecodable, as a problem.
    const decodable = f.intact.filter((r) => decodeEvent(r.payload).ok && !overlapsRead(got, r)).map((r) => r.offset);
    if (!f.waitsPastEnd && !f.maxGarbageBytes) for (const o of decodable) assert.ok(offsets.includes(o), `tailer: the event at ${o} arrives`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fuzz: event files', async () => {
  await runFuzz<EventFile>({
    name: 'events',
    seconds: 150,
    file: 'test/fuzz/events.fuzz.ts',
    generate: eventFile,
    check: async (f, rng) => {
      const { got, gaveUp } = await onePass(f);
      assertFramed(f, got, 'one pass');
      if (!gaveUp) for (const r of f.intact) assert.ok(got.has(r.offset) || overlapsRead(got, r), `one pass: the intact record at ${r.offset} is read`);
      assertDecodes(f, got);
      if (f.incremental) {
        const inc = await incremental(f, rng);
        assertFramed(f, inc, 'incremental');
        if (!f.maxGarbageBytes) {
          for (const offset of inc.keys()) assert.ok(got.has(offset), `incremental: the record at ${offset} is one the one pass read too`);
          if (!f.waitsPastEnd) assert.deepEqual([...inc.keys()], [...got.keys()], 'incremental reads what one pass reads');
        }
      }
      if (f.viaTailer) await viaTailer(f, rng, got);
    },
    sizeOf: (f) => f.data.length,
    describe: (f) =>
      `${f.size}: ${f.data.length} bytes, ${f.intact.length} intact records at ${f.intact
        .slice(0, 20)
        .map((r) => r.offset)
        .join(
          ',',
        )}; pieces: ${f.pieces.join(', ')}; window ${f.windowBytes}${f.maxGarbageBytes ? `, maxGarbageBytes ${f.maxGarbageBytes}` : ''}${f.incremental ? ', incrementally' : ''}${f.viaTailer ? ', via the tailer' : ''}`,
  });
});
