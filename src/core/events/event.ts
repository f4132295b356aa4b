// TensorBoard Event/Summary decoding (tensorboard/compat/proto event.proto, summary.proto, tensor.proto), limited to
// what the SDXL scripts write through torch.utils.tensorboard: scalars, image grids, hparams plugin records.
import { decodeMessage, fieldBytes, fieldDouble, fieldDoubles, fieldFloat, fieldFloats, fieldInt, fieldString, WIRE_BYTES, type ProtoField } from './proto';

export type SummaryValue =
  /** add_scalar: simple_value (float32 on disk), or a new_style DT_FLOAT/DT_DOUBLE scalar tensor. */
  | { kind: 'scalar'; tag: string; value: number; source: 'simple_value' | 'tensor' }
  /** add_image(s): one encoded image (a PNG grid for add_images). `encoded` is a view into the record buffer. */
  | { kind: 'image'; tag: string; height: number; width: number; colorspace: number; encoded: Uint8Array }
  /** Recognised but not interpreted: hparams plugin records, text, histograms, audio, other tensors. */
  | { kind: 'other'; tag: string; pluginName?: string };

export interface TbEvent {
  wallTime: number;
  /** proto3 omits 0, so an absent step means 0 (epoch-0 validation images have none on the wire). */
  step: number;
  fileVersion?: string;
  /** source_metadata.writer, present in the first record of files written by tensorboard's EventFileWriter. */
  sourceWriter?: string;
  values: SummaryValue[];
}

export type EventDecodeResult = { ok: true; event: TbEvent } | { ok: false; error: string };

const DT_FLOAT = 1;
const DT_DOUBLE = 2;

export function decodeEvent(payload: Uint8Array): EventDecodeResult {
  const msg = decodeMessage(payload);
  if (!msg.ok) return { ok: false, error: `Event: ${msg.error}` };
  const event: TbEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of msg.fields) {
    switch (f.no) {
      case 1:
        event.wallTime = fieldDouble(f) ?? event.wallTime;
        break;
      case 2:
        event.step = fieldInt(f) ?? event.step;
        break;
      case 3:
        event.fileVersion = fieldString(f);
        break;
      case 5: {
        const bytes = fieldBytes(f);
        if (!bytes) return { ok: false, error: 'Event.summary has the wrong wire type' };
        const r = decodeSummary(bytes);
        if (typeof r === 'string') return { ok: false, error: `Event.summary: ${r}` };
        for (const v of r) event.values.push(v); // a loop: a crafted record can hold more values than the call stack takes
        break;
      }
      case 10: {
        const bytes = fieldBytes(f);
        const sm = bytes ? decodeMessage(bytes) : undefined;
        const writer = sm?.fields.find((x) => x.no === 1);
        if (writer) event.sourceWriter = fieldString(writer);
        break;
      }
      default:
        // graph_def, session_log, log_message, run metadata: nothing the monitor uses.
        break;
    }
  }
  return { ok: true, event };
}

function decodeSummary(buf: Uint8Array): SummaryValue[] | string {
  const msg = decodeMessage(buf);
  if (!msg.ok) return msg.error;
  const out: SummaryValue[] = [];
  for (const f of msg.fields) {
    if (f.no !== 1) continue;
    const bytes = fieldBytes(f);
    if (!bytes) return 'Summary.value has the wrong wire type';
    const v = decodeValue(bytes);
    if (typeof v === 'string') return `Summary.value[${out.length}]: ${v}`;
    out.push(v);
  }
  return out;
}

function decodeValue(buf: Uint8Array): SummaryValue | string {
  const msg = decodeMessage(buf);
  if (!msg.ok) return msg.error;
  let tag = '';
  let nodeName = '';
  let pluginName: string | undefined;
  let simple: number | undefined;
  let image: ProtoField | undefined;
  let tensor: ProtoField | undefined;
  for (const f of msg.fields) {
    if (f.no === 1) tag = fieldString(f) ?? tag;
    else if (f.no === 7) nodeName = fieldString(f) ?? nodeName;
    else if (f.no === 2) simple = fieldFloat(f);
    else if (f.no === 4) image = f;
    else if (f.no === 8) tensor = f;
    else if (f.no === 9) pluginName = pluginNameOf(f);
  }
  tag ||= nodeName;
  if (simple !== undefined) return { kind: 'scalar', tag, value: simple, source: 'simple_value' };
  if (image) {
    const img = decodeImage(image);
    if (typeof img === 'string') return `image of '${tag}': ${img}`;
    return { kind: 'image', tag, ...img };
  }
  if (tensor) {
    const value = scalarOfTensor(tensor);
    if (value !== undefined) return { kind: 'scalar', tag, value, source: 'tensor' };
  }
  return pluginName === undefined ? { kind: 'other', tag } : { kind: 'other', tag, pluginName };
}

function pluginNameOf(metadata: ProtoField): string | undefined {
  const bytes = fieldBytes(metadata);
  if (!bytes) return undefined;
  const pd = decodeMessage(bytes).fields.find((x) => x.no === 1);
  const pdBytes = pd && fieldBytes(pd);
  if (!pdBytes) return undefined;
  const name = decodeMessage(pdBytes).fields.find((x) => x.no === 1);
  return name && fieldString(name);
}

function decodeImage(f: ProtoField): { height: number; width: number; colorspace: number; encoded: Uint8Array } | string {
  const bytes = fieldBytes(f);
  if (!bytes) return 'wrong wire type';
  const msg = decodeMessage(bytes);
  if (!msg.ok) return msg.error;
  const img: { height: number; width: number; colorspace: number; encoded: Uint8Array } = { height: 0, width: 0, colorspace: 0, encoded: new Uint8Array(0) };
  for (const x of msg.fields) {
    if (x.no === 1) img.height = fieldInt(x) ?? 0;
    else if (x.no === 2) img.width = fieldInt(x) ?? 0;
    else if (x.no === 3) img.colorspace = fieldInt(x) ?? 0;
    else if (x.no === 4) img.encoded = fieldBytes(x) ?? img.encoded;
  }
  return img;
}

/** The value of a one-element DT_FLOAT or DT_DOUBLE tensor (add_scalar with new_style=True); else undefined. */
function scalarOfTensor(f: ProtoField): number | undefined {
  const bytes = fieldBytes(f);
  if (!bytes) return undefined;
  const msg = decodeMessage(bytes);
  if (!msg.ok) return undefined;
  let dtype = 0;
  // Only a one-element tensor is a scalar: count the values and keep the first, without copying a large tensor.
  let count = 0;
  let first: number | undefined;
  let content: Uint8Array | undefined;
  for (const x of msg.fields) {
    if (x.no === 1) dtype = fieldInt(x) ?? 0;
    else if (x.no === 4) content = fieldBytes(x);
    else if (x.no === 5 || x.no === 6) {
      const read = x.no === 5 ? fieldFloats : fieldDoubles;
      // Packed values: read only the first; a single unpacked one (or a wrong wire type, none) is read whole.
      const size = x.no === 5 ? 4 : 8;
      const vs = x.wire === WIRE_BYTES ? read({ ...x, value: x.value.subarray(0, size) }) : read(x);
      const n = x.wire === WIRE_BYTES ? Math.floor(x.value.length / size) : vs.length;
      if (n > 0 && count === 0) first = vs[0];
      count += n;
    }
  }
  if (dtype !== DT_FLOAT && dtype !== DT_DOUBLE) return undefined;
  if (content && content.length > 0) {
    const size = dtype === DT_FLOAT ? 4 : 8;
    if (content.length !== size) return undefined;
    const dv = new DataView(content.buffer, content.byteOffset, content.byteLength);
    return dtype === DT_FLOAT ? dv.getFloat32(0, true) : dv.getFloat64(0, true);
  }
  return count === 1 ? first : undefined;
}
