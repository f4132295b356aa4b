import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32c, maskCrc, maskedCrc32c, maskedCrc32cOf8 } from '../../src/core/events/crc32c';
import { py } from './tfeventsPy';

// Vectors computed with an independent implementation (framing: docs/worker-formats.md#tfrecord), each a whole TFRecord: length, masked CRC, payload, masked CRC.
const VECTORS = [
  '1800000000000000' + 'a37f4b22' + '09000000000000f03f1a0d627261696e2e4576656e743a32' + '86bf577a',
  '2000000000000000' + '29eda950' + '09000000000000f03f10052a130a110a0a747261696e5f6c6f7373150000003f' + 'cc64c5ba',
];

test('crc32c check value of "123456789" is 0xE3069283', () => {
  assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('the reference records carry the masked CRCs this implementation computes, byte for byte', () => {
  for (const hex of VECTORS) {
    const rec = Buffer.from(hex, 'hex');
    const len = Number(rec.readBigUInt64LE(0));
    assert.equal(rec.length, 12 + len + 4);
    assert.equal(maskedCrc32c(rec, 0, 8), rec.readUInt32LE(8));
    assert.equal(maskedCrc32c(rec.subarray(12, 12 + len)), rec.readUInt32LE(12 + len));
  }
});

test('mask rotates right by 15 and adds 0xA282EAD8 modulo 2^32', () => {
  for (const crc of [0, 1, 0x8000, 0xffffffff, 0x12345678]) {
    const rot = ((crc >>> 15) | (crc << 17)) >>> 0;
    assert.equal(maskCrc(crc), (rot + 0xa282ead8) % 2 ** 32);
  }
});

test('checksums continue across pieces and agree with the Python writer on all lengths mod 8', () => {
  const data = randomBytes(4099);
  const whole = crc32c(data);
  for (const cut of [0, 1, 7, 8, 9, 2048, 4098]) assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), whole);
  const lengths = [0, 1, 3, 7, 8, 9, 15, 16, 17, 100, 4099];
  const fromPy = JSON.parse(
    py(`d = bytes.fromhex(sys.argv[1]); print(json.dumps([t.crc32c(d[:n]) for n in json.loads(sys.argv[2])]))`, [
      data.toString('hex'),
      JSON.stringify(lengths),
    ]).toString(),
  ) as number[];
  assert.deepEqual(
    fromPy,
    lengths.map((n) => crc32c(data.subarray(0, n))),
  );
});

test('maskedCrc32cOf8 equals maskedCrc32c over the same 8 bytes at any offset', () => {
  const data = randomBytes(4096);
  for (let at = 0; at + 8 <= data.length; at += 37) assert.equal(maskedCrc32cOf8(data, at), maskedCrc32c(data, at, at + 8), `at ${at}`);
  assert.equal(maskedCrc32cOf8(new Uint8Array(8), 0), maskedCrc32c(new Uint8Array(8)));
});
