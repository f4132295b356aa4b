// Minimal protobuf wire-format decoder: enough to walk TensorBoard's Event/Summary messages without generated code.
// Never throws on malformed input: event files are read while they are being written, and may be corrupt.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export type ProtoField =
  | { no: number; wire: typeof WIRE_VARINT; value: bigint }
  | { no: number; wire: typeof WIRE_FIXED64; value: Uint8Array }
  | { no: number; wire: typeof WIRE_BYTES; value: Uint8Array }
  | { no: number; wire: typeof WIRE_FIXED32; value: Uint8Array };

export type DecodeResult = { ok: true; fields: ProtoField[] } | { ok: false; error: string; fields: ProtoField[] };

/** Reads a varint at `pos`; returns null when it runs past `end` or is longer than 10 bytes. */
export function readVarint(buf: Uint8Array, pos: number, end = buf.length): { value: bigint; next: number } | null {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return null;
    const b = buf[pos + i]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return { value: BigInt.asUintN(64, result), next: pos + i + 1 };
    shift += 7n;
  }
  return null;
}

/**
 * Fields kept per message. Real events have a handful (a Summary one per value); without a cap a 64 MiB record of
 * two-byte fields would become 32 million field objects, gigabytes of heap.
 */
export const MAX_FIELDS = 100_000;

/** Where the varint read by smallVarint ended. */
let smallNext = 0;

/**
 * A varint of at most 4 bytes (below 2^28: every field key of a real event and every length under 256 MiB) read as a
 * number, its end in `smallNext`; -1 when it is longer or runs past `end` (readVarint then decides). Field keys and
 * lengths are read for every field, and BigInt arithmetic made them most of the cost of a message of many fields.
 */
function smallVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  for (let i = 0; i < 4 && pos + i < end; i++) {
    const b = buf[pos + i]!;
    value |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) {
      smallNext = pos + i + 1;
      return value;
    }
  }
  return -1;
}

// A function, not a closure made per call: a Summary of 100,000 values is 100,001 messages to decode.
function failure(pos: number, fields: ProtoField[], error: string): DecodeResult {
  return { ok: false, error: `${error} at byte ${pos}`, fields };
}

/** Decodes the top level of one message into its fields, in wire order. Sub-messages stay as bytes. */
export function decodeMessage(buf: Uint8Array): DecodeResult {
  const fields: ProtoField[] = [];
  let pos = 0;
  const end = buf.length;
  while (pos < end) {
    if (fields.length >= MAX_FIELDS) return failure(pos, fields, `more than ${MAX_FIELDS} fields`);
    let no: number;
    let wire: number;
    let p: number;
    const small = smallVarint(buf, pos, end);
    if (small >= 0) {
      no = small >>> 3;
      wire = small & 7;
      p = smallNext;
    } else {
      const key = readVarint(buf, pos, end);
      if (!key) return failure(pos, fields, 'truncated field key');
      no = Number(key.value >> 3n);
      wire = Number(key.value & 7n);
      p = key.next;
    }
    if (no === 0 || no > 536870911) return failure(pos, fields, `invalid field number ${no}`);
    switch (wire) {
      case WIRE_VARINT: {
        const v = readVarint(buf, p, end);
        if (!v) return failure(pos, fields, `truncated varint in field ${no}`);
        fields.push({ no, wire, value: v.value });
        p = v.next;
        break;
      }
      case WIRE_FIXED64:
        if (p + 8 > end) return failure(pos, fields, `truncated 64-bit value in field ${no}`);
        fields.push({ no, wire, value: buf.subarray(p, p + 8) });
        p += 8;
        break;
      case WIRE_FIXED32:
        if (p + 4 > end) return failure(pos, fields, `truncated 32-bit value in field ${no}`);
        fields.push({ no, wire, value: buf.subarray(p, p + 4) });
        p += 4;
        break;
      case WIRE_BYTES: {
        const small = smallVarint(buf, p, end);
        if (small >= 0) {
          if (small > end - smallNext) return failure(pos, fields, `length ${small} of field ${no} runs past the end`);
          fields.push({ no, wire, value: buf.subarray(smallNext, smallNext + small) });
          p = smallNext + small;
          break;
        }
        const len = readVarint(buf, p, end);
        if (!len) return failure(pos, fields, `truncated length in field ${no}`);
        if (len.value > BigInt(end - len.next)) return failure(pos, fields, `length ${len.value} of field ${no} runs past the end`);
        const n = Number(len.value);
        fields.push({ no, wire, value: buf.subarray(len.next, len.next + n) });
        p = len.next + n;
        break;
      }
      default:
        return failure(pos, fields, `unsupported wire type ${wire} in field ${no}`);
    }
    pos = p;
  }
  return { ok: true, fields };
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Fixed-width values are copied here to be read: no DataView made per value. */
const scratch = new DataView(new ArrayBuffer(8));
function scratchOf(b: Uint8Array, n: number): DataView {
  for (let i = 0; i < n; i++) scratch.setUint8(i, b[i]!);
  return scratch;
}

export function fieldDouble(f: ProtoField): number | undefined {
  return f.wire === WIRE_FIXED64 ? scratchOf(f.value, 8).getFloat64(0, true) : undefined;
}

export function fieldFloat(f: ProtoField): number | undefined {
  return f.wire === WIRE_FIXED32 ? scratchOf(f.value, 4).getFloat32(0, true) : undefined;
}

/** int32/int64 as a signed number (precision beyond 2^53 is lost, which no step count reaches). */
export function fieldInt(f: ProtoField): number | undefined {
  return f.wire === WIRE_VARINT ? Number(BigInt.asIntN(64, f.value)) : undefined;
}

export function fieldBytes(f: ProtoField): Uint8Array | undefined {
  return f.wire === WIRE_BYTES ? f.value : undefined;
}

// ignoreBOM: a string that starts with U+FEFF keeps it (the default would drop it as if it were a byte order mark).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
export function fieldString(f: ProtoField): string | undefined {
  return f.wire === WIRE_BYTES ? utf8.decode(f.value) : undefined;
}

/** Packed repeated float (wire 2), or a single unpacked one (wire 5). */
export function fieldFloats(f: ProtoField): number[] {
  if (f.wire === WIRE_FIXED32) return [fieldFloat(f)!];
  if (f.wire !== WIRE_BYTES) return [];
  const v = view(f.value);
  const out: number[] = [];
  for (let i = 0; i + 4 <= f.value.length; i += 4) out.push(v.getFloat32(i, true));
  return out;
}

/** Packed repeated double (wire 2), or a single unpacked one (wire 1). */
export function fieldDoubles(f: ProtoField): number[] {
  if (f.wire === WIRE_FIXED64) return [fieldDouble(f)!];
  if (f.wire !== WIRE_BYTES) return [];
  const v = view(f.value);
  const out: number[] = [];
  for (let i = 0; i + 8 <= f.value.length; i += 8) out.push(v.getFloat64(i, true));
  return out;
}
