import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { maskedCrc32c } from '../../src/core/events/crc32c';
import { bufferSource, readRecordsFromBuffer, scanRecords, START, type ByteSource, type FrameState } from '../../src/core/events/tfrecord';

function frame(payload: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(payload.length), 0);
  head.writeUInt32LE(maskedCrc32c(head, 0, 8), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(payload), 0);
  return Buffer.concat([head, payload, foot]);
}

/** A header claiming `length` bytes, with a valid CRC, and nothing behind it. */
function headerOnly(length: bigint): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(length, 0);
  head.writeUInt32LE(maskedCrc32c(head, 0, 8), 8);
  return head;
}

/** Wraps a source and records the largest single read, to check memory stays bounded. */
function metered(buf: Uint8Array): { src: ByteSource; maxRead: () => number } {
  const inner = bufferSource(buf);
  let max = 0;
  return {
    src: { size: inner.size, read: async (p, n) => ((max = Math.max(max, n)), inner.read(p, n)) },
    maxRead: () => max,
  };
}

const payloads = [Buffer.from('first record'), randomBytes(3000), Buffer.from('third')];
const stream = Buffer.concat(payloads.map(frame));

test('reads back every framed payload with its offset', async () => {
  const { records, result } = await readRecordsFromBuffer(stream);
  assert.deepEqual(
    records.map((r) => Buffer.from(r.data)),
    payloads,
  );
  assert.deepEqual(
    records.map((r) => r.offset),
    [0, 16 + payloads[0]!.length, 32 + payloads[0]!.length + payloads[1]!.length],
  );
  assert.deepEqual(result.skipped, { badCrc: 0, truncated: 0, oversized: 0 });
  assert.equal(result.state.offset, stream.length);
});

test('a partial trailing record is left pending at every cut point, then read once complete', async () => {
  for (let cut = 0; cut <= stream.length; cut += 7) {
    const got: Buffer[] = [];
    const first = await scanRecords(bufferSource(stream.subarray(0, cut)), START, {}, (p) => got.push(Buffer.from(p)));
    assert.deepEqual(first.skipped, { badCrc: 0, truncated: 0, oversized: 0 }, `cut ${cut}`);
    // The resume offset is always a record boundary.
    assert.equal(Buffer.concat(payloads.slice(0, got.length).map(frame)).length, first.state.offset, `cut ${cut}`);
    await scanRecords(bufferSource(stream), first.state, {}, (p) => got.push(Buffer.from(p)));
    assert.deepEqual(got, payloads, `cut ${cut}`);
  }
});

test('in final mode a cut-off record counts as truncated', async () => {
  const { records, result } = await readRecordsFromBuffer(stream.subarray(0, stream.length - 3));
  assert.equal(records.length, 2);
  assert.deepEqual(result.skipped, { badCrc: 0, truncated: 1, oversized: 0 });
  const headerCut = await readRecordsFromBuffer(stream.subarray(0, 5));
  assert.deepEqual(headerCut.result.skipped, { badCrc: 0, truncated: 1, oversized: 0 });
});

test('a bad payload CRC skips that record only', async () => {
  const bad = Buffer.from(stream);
  bad[12 + 2]! ^= 0xff; // inside the first payload
  const { records, result } = await readRecordsFromBuffer(bad);
  assert.deepEqual(
    records.map((r) => Buffer.from(r.data)),
    payloads.slice(1),
  );
  assert.equal(result.skipped.badCrc, 1);
});

test('a bad length CRC resyncs to the next valid header and counts one corrupt region', async () => {
  const bad = Buffer.from(stream);
  bad[0]! ^= 0x01; // the first record's length
  const { records, result } = await readRecordsFromBuffer(bad);
  assert.deepEqual(
    records.map((r) => Buffer.from(r.data)),
    payloads.slice(1),
  );
  assert.deepEqual(result.skipped, { badCrc: 1, truncated: 0, oversized: 0 });
});

test('an absurd length with a valid CRC is skipped without allocating it', async () => {
  const data = Buffer.concat([headerOnly(1n << 40n), stream]);
  const m = metered(data);
  const got: Buffer[] = [];
  const r = await scanRecords(m.src, START, { final: true, windowBytes: 4096 }, (p) => got.push(Buffer.from(p)));
  assert.deepEqual(got, payloads);
  assert.equal(r.skipped.oversized, 1);
  assert.ok(m.maxRead() <= 4096, `largest read ${m.maxRead()}`);
});

test('a complete record over the cap is stepped over unread', async () => {
  const big = frame(randomBytes(50_000));
  const m = metered(Buffer.concat([big, stream]));
  const got: Buffer[] = [];
  const r = await scanRecords(m.src, START, { final: true, maxRecordBytes: 10_000, windowBytes: 4096 }, (p) => got.push(Buffer.from(p)));
  assert.deepEqual(got, payloads);
  assert.deepEqual(r.skipped, { badCrc: 0, truncated: 0, oversized: 1 });
  assert.ok(m.maxRead() <= 4096);
});

test('1 MB of random bytes: no exception, counted, reads bounded; records after the garbage are found', async () => {
  const garbage = randomBytes(1024 * 1024);
  const m = metered(garbage);
  const alone = await scanRecords(m.src, START, { final: true }, () => assert.fail('no record expected in random bytes'));
  assert.ok(alone.skipped.badCrc >= 1);
  assert.equal(alone.state.offset, garbage.length);
  assert.ok(m.maxRead() <= 1024 * 1024 + 16);

  const { records, result } = await readRecordsFromBuffer(Buffer.concat([garbage, stream]), { windowBytes: 64 * 1024 });
  assert.deepEqual(
    records.map((r) => Buffer.from(r.data)),
    payloads,
  );
  assert.equal(result.skipped.badCrc, 1);
});

test('a corrupt region growing across polls is counted once', async () => {
  const garbage = randomBytes(5000);
  const full = Buffer.concat([garbage, stream]);
  let state: FrameState = START;
  let badCrc = 0;
  const got: Buffer[] = [];
  for (const end of [100, 2000, 4990, 5000, 5010, full.length]) {
    const r = await scanRecords(bufferSource(full.subarray(0, end)), state, {}, (p) => got.push(Buffer.from(p)));
    badCrc += r.skipped.badCrc;
    state = r.state;
  }
  assert.equal(badCrc, 1);
  assert.deepEqual(got, payloads);
});

test('maxBytes bounds the work per call; continuing from the state reads the rest', async () => {
  const many = Buffer.concat(Array.from({ length: 50 }, (_, i) => frame(Buffer.from(`record ${i}`))));
  let state: FrameState = START;
  let calls = 0;
  const got: string[] = [];
  for (;;) {
    const r = await scanRecords(bufferSource(many), state, { maxBytes: 100 }, (p) => got.push(Buffer.from(p).toString()));
    calls++;
    state = r.state;
    if (!r.more) break;
  }
  assert.ok(calls > 5);
  assert.deepEqual(
    got,
    Array.from({ length: 50 }, (_, i) => `record ${i}`),
  );
});

const MiB = 1024 * 1024;

/**
 * `size` bytes of `block` repeated, without allocating them; counts the bytes read and refuses to read more than
 * `maxRead` in all (so unbounded work fails fast instead of running for minutes).
 */
function virtualFile(block: Uint8Array, size: number, maxRead: number): { src: ByteSource; bytesRead: () => number } {
  let total = 0;
  return {
    src: {
      size: async () => size,
      read: async (position, length) => {
        const n = Math.max(0, Math.min(length, size - position));
        total += n;
        if (total > maxRead) throw new Error(`read ${total} bytes, more than the bound ${maxRead}`);
        const out = Buffer.allocUnsafe(n);
        for (let o = 0; o < n;) {
          const at = (position + o) % block.length;
          const k = Math.min(n - o, block.length - at);
          out.set(block.subarray(at, at + k), o);
          o += k;
        }
        return out;
      },
    },
    bytesRead: () => total,
  };
}

for (const [name, block] of [
  ['random bytes', randomBytes(MiB)],
  ['zeros', new Uint8Array(MiB)],
] as const) {
  test(`1 GiB of ${name}: resync reads at most 64 MiB with few CRCs, then skips the rest and says where`, async () => {
    const size = 1024 * MiB;
    const file = virtualFile(block, size, 70 * MiB);
    const counters = { headerCrcs: 0 };
    const r = await scanRecords(file.src, START, { final: true, counters }, () => assert.fail('no record expected'));
    assert.deepEqual(r.gaveUp, { from: 0, at: 64 * MiB, to: size });
    assert.equal(r.state.offset, size);
    assert.deepEqual(r.skipped, { badCrc: 1, truncated: 0, oversized: 0 });
    // 64 MiB, plus a read window (1 MiB) at each end.
    assert.ok(file.bytesRead() <= 66 * MiB, `read ${file.bytesRead()} bytes`);
    // One for the header at byte 0; random bytes rarely hold four zero bytes in a row, zeros never need a CRC.
    assert.ok(counters.headerCrcs <= 16, `${counters.headerCrcs} header CRCs`);
  });
}

test('garbage where every offset passes the cheap test: at most one header CRC per byte scanned, within the limit', async () => {
  // Lengths of 1, 256, 65536 or 16 MiB at every offset, with wrong CRCs: the worst case for the pre-check.
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 8) block[i] = 1;
  const file = virtualFile(block, 256 * MiB, 4 * MiB);
  const counters = { headerCrcs: 0 };
  const windowBytes = 64 * 1024;
  const r = await scanRecords(file.src, START, { final: true, counters, windowBytes, maxGarbageBytes: 2 * MiB }, () => assert.fail('no record expected'));
  assert.deepEqual(r.gaveUp, { from: 0, at: 2 * MiB, to: 256 * MiB });
  assert.ok(file.bytesRead() <= 2 * MiB + 2 * windowBytes, `read ${file.bytesRead()} bytes`);
  assert.ok(counters.headerCrcs > 0 && counters.headerCrcs <= 2 * MiB + 1, `${counters.headerCrcs} header CRCs`);
});

test('a growing file given up on is resynced from where it was when it grows: records appended later arrive', async () => {
  const garbage = randomBytes(200_000);
  let state: FrameState = START;
  const got: Buffer[] = [];
  const first = await scanRecords(bufferSource(garbage), state, { maxGarbageBytes: 100_000 }, (p) => got.push(Buffer.from(p)));
  assert.deepEqual(first.gaveUp, { from: 0, at: 100_000, to: 200_000 });
  assert.deepEqual(first.state, { offset: 200_000, resyncing: true, garbageFrom: 200_000 });
  state = first.state;
  const grown = Buffer.concat([garbage, stream]);
  const second = await scanRecords(bufferSource(grown), state, { maxGarbageBytes: 100_000 }, (p) => got.push(Buffer.from(p)));
  assert.deepEqual(got, payloads);
  assert.equal(second.gaveUp, undefined);
  assert.equal(second.skipped.badCrc, 0); // the region was counted once, in the first call
});

test('records after garbage shorter than the limit are found; the limit counts from where the corrupt region began', async () => {
  const garbage = randomBytes(300_000);
  const data = Buffer.concat([stream, garbage, stream]);
  const got: Buffer[] = [];
  // Read in small budgets so the region spans calls.
  let state: FrameState = START;
  let gaveUp = 0;
  for (let calls = 0; calls < 1000; calls++) {
    const r = await scanRecords(bufferSource(data), state, { final: true, maxBytes: 50_000, maxGarbageBytes: 400_000 }, (p) => got.push(Buffer.from(p)));
    if (r.gaveUp) gaveUp++;
    state = r.state;
    if (!r.more) break;
  }
  assert.equal(gaveUp, 0);
  assert.deepEqual(got, [...payloads, ...payloads]);

  const cut: Buffer[] = [];
  state = START;
  let notice;
  for (let calls = 0; calls < 1000; calls++) {
    const r = await scanRecords(bufferSource(data), state, { final: true, maxBytes: 50_000, maxGarbageBytes: 200_000 }, (p) => cut.push(Buffer.from(p)));
    notice ??= r.gaveUp;
    state = r.state;
    if (!r.more) break;
  }
  assert.deepEqual(cut, payloads);
  assert.deepEqual(notice, { from: stream.length, at: stream.length + 200_000, to: data.length });
});

test('a header in garbage that passes its CRC but whose payload does not is not trusted: records within its length are found', async () => {
  const fake = headerOnly(20_000n); // valid length CRC, then whatever follows is taken as its payload
  const lead = Buffer.from('not a record at all'); // corrupt start: the reader resyncs from here
  for (const tail of [randomBytes(30_000), Buffer.alloc(0)]) {
    // With the tail the fake record is complete (its payload CRC fails); without, it runs past the end of the data.
    const { records, result } = await readRecordsFromBuffer(Buffer.concat([lead, fake, stream, tail]));
    assert.deepEqual(
      records.map((r) => Buffer.from(r.data)),
      payloads,
      `tail ${tail.length}`,
    );
    assert.equal(result.skipped.truncated, 0);
  }
});

test('a header whose CRC passes but whose length lies does not hide the records inside that length (found by the fuzz suite)', async () => {
  const cut = frame(randomBytes(5000)).subarray(0, 100); // a record cut short in the middle of the file
  const data = Buffer.concat([stream, cut, stream]);
  const { records, result } = await readRecordsFromBuffer(data);
  assert.deepEqual(
    records.map((r) => Buffer.from(r.data)),
    [...payloads, ...payloads],
  );
  assert.deepEqual(result.skipped, { badCrc: 1, truncated: 0, oversized: 0 });

  // The claimed length reaches past the end of the file: in one pass, the records after it are still read …
  const lying = headerOnly(1_000_000n);
  const past = await readRecordsFromBuffer(Buffer.concat([stream, lying, stream]));
  assert.deepEqual(
    past.records.map((r) => Buffer.from(r.data)),
    [...payloads, ...payloads],
  );
  assert.deepEqual(past.result.skipped, { badCrc: 1, truncated: 0, oversized: 0 });
  // … and a record cut at the very end still counts as truncated.
  const tail = await readRecordsFromBuffer(Buffer.concat([stream, cut]));
  assert.deepEqual(tail.result.skipped, { badCrc: 0, truncated: 1, oversized: 0 });
  assert.equal(tail.records.length, payloads.length);
});

test('a one-pass read split by budgets counts a cut record at the end as truncated, and one in the middle as corrupt', async () => {
  const cut = frame(randomBytes(5000)).subarray(0, 100);
  for (const [data, want] of [
    [Buffer.concat([stream, cut, randomBytes(3000)]), { badCrc: 0, truncated: 1 }],
    [Buffer.concat([stream, cut, randomBytes(3000), stream]), { badCrc: 1, truncated: 0 }],
  ] as const) {
    let state: FrameState = START;
    const total = { badCrc: 0, truncated: 0 };
    for (let calls = 0; calls < 1000; calls++) {
      const r = await scanRecords(bufferSource(data), state, { final: true, maxBytes: 500 }, () => undefined);
      total.badCrc += r.skipped.badCrc;
      total.truncated += r.skipped.truncated;
      state = r.state;
      if (!r.more) break;
    }
    assert.deepEqual(total, want);
  }
});
