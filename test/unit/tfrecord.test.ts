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
  assert.deepEqual(records.map((r) => Buffer.from(r.data)), payloads);
  assert.deepEqual(records.map((r) => r.offset), [0, 16 + payloads[0]!.length, 32 + payloads[0]!.length + payloads[1]!.length]);
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
  assert.deepEqual(records.map((r) => Buffer.from(r.data)), payloads.slice(1));
  assert.equal(result.skipped.badCrc, 1);
});

test('a bad length CRC resyncs to the next valid header and counts one corrupt region', async () => {
  const bad = Buffer.from(stream);
  bad[0]! ^= 0x01; // the first record's length
  const { records, result } = await readRecordsFromBuffer(bad);
  assert.deepEqual(records.map((r) => Buffer.from(r.data)), payloads.slice(1));
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
  assert.deepEqual(records.map((r) => Buffer.from(r.data)), payloads);
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
  assert.deepEqual(got, Array.from({ length: 50 }, (_, i) => `record ${i}`));
});
