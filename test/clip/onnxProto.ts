// Just enough of the ONNX protobuf (onnx/onnx.proto, IR version 8) to write a small model in TS: ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto and ValueInfoProto, in protobuf's wire format (varints and length-delimited
// fields). Field numbers are onnx.proto's.

class Writer {
  private readonly parts: Uint8Array[] = [];

  bytes(): Uint8Array {
    return Buffer.concat(this.parts);
  }

  private raw(b: Uint8Array): void {
    this.parts.push(b);
  }

  private varint(v: bigint | number): void {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      out.push(byte);
    } while (n > 0n);
    this.raw(Uint8Array.from(out));
  }

  int(field: number, v: number | bigint): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.varint((field << 3) | 5);
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.raw(b);
    return this;
  }

  data(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.data(field, Buffer.from(s, 'utf8'));
  }

  msg(field: number, m: Writer): this {
    return this.data(field, m.bytes());
  }
}

export const FLOAT = 1;
export const INT64 = 7;

export interface Tensor {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: ArrayLike<number>;
}

export type Dim = number | string;

export interface ValueInfo {
  name: string;
  type: typeof FLOAT | typeof INT64;
  shape: Dim[];
}

export type Attr = { name: string; i: number } | { name: string; f: number } | { name: string; ints: number[] };

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Tensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function tensor(t: Tensor): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.str(8, t.name);
  const raw =
    t.type === FLOAT ? Buffer.from(Float32Array.from(t.values).buffer) : Buffer.from(BigInt64Array.from(Array.from(t.values, (v) => BigInt(v))).buffer);
  w.data(9, raw);
  return w;
}

function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.shape) shape.msg(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().str(2, d));
  const tensorType = new Writer().int(1, v.type).msg(2, shape);
  return new Writer().str(1, v.name).msg(2, new Writer().msg(1, tensorType));
}

function attribute(a: Attr): Writer {
  const w = new Writer().str(1, a.name);
  if ('i' in a) return w.int(3, a.i).int(20, 2);
  if ('f' in a) return w.float(2, a.f).int(20, 1);
  for (const x of a.ints) w.int(8, x);
  return w.int(20, 7);
}

function node(n: Node, index: number): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.str(1, i);
  for (const o of n.outputs) w.str(2, o);
  w.str(3, `${n.op}_${index}`);
  w.str(4, n.op);
  for (const a of n.attrs ?? []) w.msg(5, attribute(a));
  return w;
}

/** A ModelProto (IR 8, default domain at `opset`) holding `g`, as bytes for an .onnx file. */
export function encodeModel(g: Graph, opset = 17): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, i) => graph.msg(1, node(n, i)));
  graph.str(2, g.name);
  for (const t of g.initializers) graph.msg(5, tensor(t));
  for (const v of g.inputs) graph.msg(11, valueInfo(v));
  for (const v of g.outputs) graph.msg(12, valueInfo(v));
  return new Writer().int(1, 8).str(2, 'sdxl-trainer-tests').msg(7, graph).msg(8, new Writer().str(1, '').int(2, opset)).bytes();
}
