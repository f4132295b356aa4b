// CRC-32C (Castagnoli), as used by TFRecord framing in TensorBoard event files. Slicing-by-8 because image
// records can be several MB each and the monitor re-checks every record it reads.

const POLY = 0x82f63b78;

/** TABLES[k][b]: CRC contribution of byte b followed by k zero bytes. */
const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[i] = c >>> 0;
  }
  t.push(t0);
  for (let k = 1; k < 8; k++) {
    const prev = t[k - 1]!;
    const tk = new Uint32Array(256);
    for (let i = 0; i < 256; i++) tk[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    t.push(tk);
  }
  return t;
})();

/**
 * CRC-32C of `data[start, end)`. Pass a previous result as `crc` to continue a checksum over several pieces.
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c =
      t7[lo & 0xff]! ^
      t6[(lo >>> 8) & 0xff]! ^
      t5[(lo >>> 16) & 0xff]! ^
      t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^
      t2[data[i + 5]!]! ^
      t1[data[i + 6]!]! ^
      t0[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** TFRecord's masking: rotate right by 15 and add a constant, so CRCs of data that contains CRCs stay well distributed. */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export function maskedCrc32c(data: Uint8Array, start = 0, end = data.length): number {
  return maskCrc(crc32c(data, 0, start, end));
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/** maskedCrc32c(data, at, at + 8), unrolled: a resync checks the 8-byte length field at many candidate offsets. */
export function maskedCrc32cOf8(data: Uint8Array, at: number): number {
  const lo = ~(data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
  const c =
    T7[lo & 0xff]! ^
    T6[(lo >>> 8) & 0xff]! ^
    T5[(lo >>> 16) & 0xff]! ^
    T4[lo >>> 24]! ^
    T3[data[at + 4]!]! ^
    T2[data[at + 5]!]! ^
    T1[data[at + 6]!]! ^
    T0[data[at + 7]!]!;
  return maskCrc(~c >>> 0);
}
