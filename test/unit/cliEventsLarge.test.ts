// `events FILE` on a file of two million scalar records: the plain output once spread every step into Math.min/max
// and crashed with "Maximum call stack size exceeded".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskedCrc32c } from '../../src/core/events/crc32c';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

function varint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[at++] = n;
  return at;
}

/**
 * TFRecord-framed Event protos, each `{wall_time, step, summary {value {tag, simple_value}}}`, written directly (the
 * Python writer in tfevents.py would take minutes for this many).
 */
function scalarEventFile(tag: string, count: number, valueOf: (step: number) => number): Buffer {
  const tagBytes = Buffer.from(tag, 'utf8');
  const valueLen = 2 + tagBytes.length + 5; // tag (field 1, bytes) + simple_value (field 2, float)
  const summaryLen = 2 + valueLen; // value (field 1, bytes)
  const maxPayload = 9 + 11 + 2 + summaryLen; // wall_time double + step varint + summary
  const out = Buffer.alloc(count * (12 + maxPayload + 4));
  let pos = 0;
  for (let step = 0; step < count; step++) {
    const start = pos + 12;
    let p = start;
    out[p++] = 0x09; // field 1, 64-bit: wall_time
    out.writeDoubleLE(1_700_000_000 + step, p);
    p += 8;
    out[p++] = 0x10; // field 2, varint: step
    p = varint(out, p, step);
    out[p++] = 0x2a; // field 5, bytes: summary
    out[p++] = summaryLen;
    out[p++] = 0x0a; // Summary.value
    out[p++] = valueLen;
    out[p++] = 0x0a; // Value.tag
    out[p++] = tagBytes.length;
    p += tagBytes.copy(out, p);
    out[p++] = 0x15; // Value.simple_value (float)
    out.writeFloatLE(valueOf(step), p);
    p += 4;
    const length = p - start;
    out.writeBigUInt64LE(BigInt(length), pos);
    out.writeUInt32LE(maskedCrc32c(out, pos, pos + 8), pos + 8);
    out.writeUInt32LE(maskedCrc32c(out, start, p), p);
    pos = p + 4;
  }
  return out.subarray(0, pos);
}

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t), readStdin: async () => '', cwd };
  return io;
}

test('cli: events on a file of 2,000,000 scalar records prints the summary (no stack overflow)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-events-large-'));
  try {
    const n = 2_000_000;
    const file = join(dir, 'events.out.tfevents.1700000000.host.1.0');
    writeFileSync(
      file,
      scalarEventFile('train_loss', n, (s) => (s % 100) / 100),
    );
    const io = capture(dir);
    assert.equal(await main(['events', file], io), 0, io.stderr);
    assert.match(io.stdout, /1 event file\(s\), 2000000 record\(s\)/);
    assert.match(io.stdout, /scalar train_loss: 2000000 point\(s\), steps 0–1999999, last 0\.99\d* at step 1999999/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
