import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { decodeEvent, type TbEvent } from '../../src/core/events/event';
import { EventTailer, findEventFiles, parseEventFileName } from '../../src/core/events/eventDir';
import { findHparamsFiles, parseHparamsYaml, readLatestHparams } from '../../src/core/events/hparams';
import { decodeMessage } from '../../src/core/events/proto';
import { readRecordsFromBuffer } from '../../src/core/events/tfrecord';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { hasPyYaml, py } from './tfeventsPy';

const tmp = () => mkdtempSync(join(tmpdir(), 'sdxl-events-'));

async function eventsOf(file: string): Promise<{ events: TbEvent[]; payloads: Uint8Array[] }> {
  const { records, result } = await readRecordsFromBuffer(readFileSync(file));
  assert.deepEqual(result.skipped, { badCrc: 0, truncated: 0, oversized: 0 });
  return {
    payloads: records.map((r) => r.data),
    events: records.map((r) => {
      const d = decodeEvent(r.data);
      assert.ok(d.ok, d.ok ? '' : d.error);
      return d.event;
    }),
  };
}

test('events written by tfevents.py read back: version record, float32 scalars, step 0 absent, image, hparams', async () => {
  const dir = tmp();
  const file = py(
    `
w = t.EventWriter(sys.argv[1])
for step, v in [(0, 0.1), (1, 0.0), (5, -2.5), (2**40, 1e39), (7, 123.456)]:
    w.add_scalar("train_loss", v, step, wall_time=1000.5 + step)
png = t.png_encode(*t.make_grid([(6, 4, bytes([200, 10, 10]) * 24)] * 3))
w.add_image("validation", png, 4, 18, 0, wall_time=2000.25)
w.add_hparams_events({"learning_rate": 1e-4, "use_ema": True, "vae": None, "name": "x"}, wall_time=3000.0)
w.close()
print(w.path)`,
    [dir],
  )
    .toString()
    .trim();
  const { events, payloads } = await eventsOf(file);

  assert.equal(events[0]!.fileVersion, 'brain.Event:2');
  assert.equal(events[0]!.sourceWriter, 'tensorboard.summary.writer.event_file_writer');
  assert.ok(events[0]!.wallTime > 1e9);

  const scalars = events.slice(1, 6).map((e) => [e.step, e.values[0]!.kind === 'scalar' ? e.values[0]!.value : NaN, e.wallTime]);
  assert.deepEqual(scalars, [
    [0, Math.fround(0.1), 1000.5],
    [1, 0, 1001.5],
    [5, -2.5, 1005.5],
    [2 ** 40, Infinity, 1000.5 + 2 ** 40],
    [7, Math.fround(123.456), 1007.5],
  ]);
  assert.notEqual(Math.fround(0.1), 0.1); // the float32 rounding is really observed
  // proto3: step 0 is not on the wire at all, and the decoder defaults it.
  assert.equal(
    decodeMessage(payloads[1]!).fields.some((f) => f.no === 2),
    false,
  );
  assert.equal(
    decodeMessage(payloads[2]!).fields.some((f) => f.no === 2),
    true,
  );

  const img = events[6]!;
  assert.equal(img.step, 0);
  const v = img.values[0]!;
  assert.ok(v.kind === 'image');
  assert.equal(v.tag, 'validation');
  assert.deepEqual([v.width, v.height, v.colorspace], [18, 4, 3]);
  const meta = await sharp(v.encoded).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 18, 4]);

  const hp = events.slice(7).map((e) => e.values[0]);
  assert.deepEqual(hp, [
    { kind: 'other', tag: '_hparams_/experiment', pluginName: 'hparams' },
    { kind: 'other', tag: '_hparams_/session_start_info', pluginName: 'hparams' },
    { kind: 'other', tag: '_hparams_/session_end_info', pluginName: 'hparams' },
  ]);
  assert.equal(events.length, 10);
});

test('new-style tensor scalars (DT_FLOAT tensor_content, DT_DOUBLE double_val) decode as scalars', async () => {
  const hex = py(`
import struct
def val(tensor): return t._f_bytes(1, "lr") + t._f_bytes(8, tensor)
f = t._f_varint(1, 1) + t._f_bytes(4, struct.pack("<f", 0.25))
d = t._f_varint(1, 2) + t._f_bytes(6, struct.pack("<d", 1e-7))
s = t._f_varint(1, 7) + t._f_bytes(8, b"text")
print(",".join(t._event(1.0, 3, summary=t._summary(val(x))).hex() for x in (f, d, s)))`)
    .toString()
    .trim();
  const [f, d, s] = hex.split(',').map((h) => decodeEvent(Buffer.from(h, 'hex')));
  assert.ok(f?.ok && d?.ok && s?.ok);
  assert.deepEqual(f.event.values, [{ kind: 'scalar', tag: 'lr', value: 0.25, source: 'tensor' }]);
  assert.deepEqual(d.event.values, [{ kind: 'scalar', tag: 'lr', value: 1e-7, source: 'tensor' }]);
  assert.equal(s.event.values[0]!.kind, 'other');
});

test('decoding garbage returns errors and never throws', () => {
  let failures = 0;
  for (let i = 0; i < 2000; i++) {
    const r = decodeEvent(randomBytes(1 + (i % 200)));
    if (!r.ok) failures++;
  }
  assert.ok(failures > 1000);
  const r = decodeEvent(Buffer.from([0x2a, 0x7f, 0x01])); // summary claiming 127 bytes
  assert.equal(r.ok, false);
});

/** A protobuf length-delimited field (test side). */
function lenField(no: number, data: Uint8Array): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
      n = Math.floor(n / 128);
    } while (n > 0);
    return out;
  };
  return Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(data.length)]), data]);
}

test('decoding huge but well-formed lists neither throws nor builds millions of objects (found by the fuzz suite)', () => {
  // A Summary of 150,000 empty values: push(...values) threw "Maximum call stack size exceeded".
  const many = lenField(5, Buffer.concat(Array.from({ length: 150_000 }, () => lenField(1, new Uint8Array(0)))));
  const r = decodeEvent(many);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /more than 100000 fields/);
  // A DT_FLOAT tensor of 200,000 packed floats: not a scalar, and not copied value by value onto the stack.
  const tensor = Buffer.concat([Buffer.from([0x08, 0x01]), lenField(5, new Uint8Array(800_000))]);
  const value = Buffer.concat([lenField(1, Buffer.from('big')), lenField(8, tensor)]);
  const t = decodeEvent(lenField(5, lenField(1, value)));
  assert.ok(t.ok, t.ok ? '' : t.error);
  assert.deepEqual(t.event.values, [{ kind: 'other', tag: 'big' }]);
  // One packed float is a scalar still.
  const one = Buffer.concat([Buffer.from([0x08, 0x01]), lenField(5, Buffer.from(new Float32Array([0.5]).buffer))]);
  const s = decodeEvent(lenField(5, lenField(1, Buffer.concat([lenField(1, Buffer.from('lr')), lenField(8, one)]))));
  assert.ok(s.ok);
  assert.deepEqual(s.event.values, [{ kind: 'scalar', tag: 'lr', value: 0.5, source: 'tensor' }]);
});

test('a tag that starts with U+FEFF keeps it (found by the fuzz suite: TextDecoder dropped it as a byte order mark)', () => {
  const value = Buffer.concat([lenField(1, Buffer.from('\ufeffloss')), Buffer.from([0x15, 0, 0, 0x80, 0x3f])]);
  const r = decodeEvent(lenField(5, lenField(1, value)));
  assert.ok(r.ok);
  assert.deepEqual(r.event.values, [{ kind: 'scalar', tag: '\ufeffloss', value: 1, source: 'simple_value' }]);
});

test('event file names parse, hostnames with dots included', () => {
  assert.deepEqual(parseEventFileName('events.out.tfevents.1700000000.gpu-1.example.com.4242.1.v2'), {
    timestamp: 1700000000,
    host: 'gpu-1.example.com',
    pid: 4242,
    uid: 1,
    suffix: '.v2',
  });
  assert.equal(parseEventFileName('hparams.yml'), undefined);
});

test('findEventFiles searches nested dirs, skips checkpoint-* dirs, orders by name timestamp then name', async () => {
  const out = tmp();
  const run = join(out, 'logs', 'text2image-fine-tune-sdxl');
  const names = [
    [run, 'events.out.tfevents.1700000900.h.2.0'],
    [join(run, '1700000100.123'), 'events.out.tfevents.1700000100.h.1.1'],
    [run, 'events.out.tfevents.1700000100.h.1.0'],
    [join(out, 'checkpoint-10'), 'events.out.tfevents.1700000050.h.1.0'],
  ] as const;
  for (const [d, n] of names) {
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, n), '');
  }
  const found = await findEventFiles(out);
  assert.deepEqual(
    found.map((f) => basename(f)),
    ['events.out.tfevents.1700000100.h.1.0', 'events.out.tfevents.1700000100.h.1.1', 'events.out.tfevents.1700000900.h.2.0'],
  );
  assert.deepEqual(await findEventFiles(join(out, 'nope')), []);
  assert.deepEqual(await findEventFiles(found[0]!), [found[0]]);
});

/** Framed scalar records made by the Python writer, one per [step, value, wallTime], in one Python run. */
function scalarRecords(specs: [number, number, number][]): Buffer[] {
  const hex = py(`print(",".join(t.encode_record(t.encode_scalar_event("train_loss", v, s, w)).hex() for s, v, w in json.loads(sys.argv[1])))`, [
    JSON.stringify(specs),
  ]);
  return hex
    .toString()
    .trim()
    .split(',')
    .map((h) => Buffer.from(h, 'hex'));
}

function scalarRecord(step: number, value: number, wallTime: number): Buffer {
  return scalarRecords([[step, value, wallTime]])[0]!;
}

function lossPoints(events: { event: TbEvent }[]): [number, number, number][] {
  return events.flatMap(({ event }) =>
    event.values.flatMap((v) => (v.kind === 'scalar' ? [[event.step, v.value, event.wallTime] as [number, number, number]] : [])),
  );
}

test('tailing: half a record gives nothing and no error; the rest then gives the record', async () => {
  const dir = tmp();
  const file = join(dir, 'events.out.tfevents.1700000000.h.1.0');
  writeFileSync(file, scalarRecord(1, 0.5, 10));
  const tailer = new EventTailer(dir);
  const first = await tailer.readNew();
  assert.deepEqual(lossPoints(first.events), [[1, 0.5, 10]]);

  const rec = scalarRecord(2, 0.25, 11);
  appendFileSync(file, rec.subarray(0, 20));
  const half = await tailer.readNew();
  assert.deepEqual([half.events, half.problems, half.skipped], [[], [], { badCrc: 0, truncated: 0, oversized: 0 }]);
  appendFileSync(file, rec.subarray(20));
  const rest = await tailer.readNew();
  assert.deepEqual(lossPoints(rest.events), [[2, 0.25, 11]]);
  assert.equal(rest.events[0]!.offset, readFileSync(file).length - rec.length);
  assert.equal((await tailer.readNew()).events.length, 0);
});

test('tailing across a resume: a newer file with overlapping steps; every point is kept with its wall time', async () => {
  const run = tmp();
  writeFileSync(join(run, 'events.out.tfevents.1700000000.h.1.0'), Buffer.concat(scalarRecords([1, 2, 3, 4].map((s) => [s, s, 100 + s]))));
  const tailer = new EventTailer(run);
  assert.equal((await tailer.readNew()).events.length, 4);
  // Resumed from checkpoint-2: the new process writes steps 3.. again into a new file.
  writeFileSync(join(run, 'events.out.tfevents.1700000500.h.9.0'), Buffer.concat(scalarRecords([3, 4, 5].map((s) => [s, s / 10, 600 + s]))));
  const b = await tailer.readNew();
  assert.deepEqual(
    lossPoints(b.events),
    [[3, 0.3, 603].map(Math.fround), [4, 0.4, 604].map(Math.fround), [5, 0.5, 605].map(Math.fround)].map(([s, v, w]) => [s!, v!, w!]),
  );
  assert.ok(b.events.every((e) => basename(e.file) === 'events.out.tfevents.1700000500.h.9.0'));
});

test('tailing: a deleted file is reported once, an unreadable one too; other files keep being read', async () => {
  const run = tmp();
  const a = join(run, 'events.out.tfevents.1700000000.h.1.0');
  const b = join(run, 'events.out.tfevents.1700000001.h.1.0');
  writeFileSync(a, scalarRecord(1, 1, 1));
  writeFileSync(b, scalarRecord(1, 2, 2));
  const tailer = new EventTailer(run);
  assert.equal((await tailer.readNew()).events.length, 2);
  rmSync(a);
  appendFileSync(b, scalarRecord(2, 3, 3));
  const after = await tailer.readNew();
  assert.deepEqual(
    after.problems.map((p) => [p.kind, p.file]),
    [['missing', a]],
  );
  assert.deepEqual(lossPoints(after.events), [[2, 3, 3]]);
  assert.deepEqual((await tailer.readNew()).problems, []);

  if (process.getuid?.() !== 0) {
    appendFileSync(b, scalarRecord(3, 4, 4));
    chmodSync(b, 0o000);
    const denied = await tailer.readNew();
    assert.deepEqual(
      denied.problems.map((p) => p.kind),
      ['unreadable'],
    );
    chmodSync(b, 0o644);
    assert.deepEqual(lossPoints((await tailer.readNew()).events), [[3, 4, 4]]);
  }
});

test('tailing: a file truncated or replaced in place is reported and read again from the start', async () => {
  const run = tmp();
  const f = join(run, 'events.out.tfevents.1700000000.h.1.0');
  writeFileSync(
    f,
    Buffer.concat(
      scalarRecords([
        [1, 1, 1],
        [2, 2, 2],
      ]),
    ),
  );
  const tailer = new EventTailer(run);
  assert.equal((await tailer.readNew()).events.length, 2);
  writeFileSync(f, scalarRecord(7, 7, 7));
  const b = await tailer.readNew();
  assert.deepEqual(
    b.problems.map((p) => p.kind),
    ['shrunk'],
  );
  assert.deepEqual(lossPoints(b.events), [[7, 7, 7]]);
});

test('tailing: corrupt data in a growing file is skipped and counted, later records still arrive', async () => {
  const run = tmp();
  const f = join(run, 'events.out.tfevents.1700000000.h.1.0');
  writeFileSync(f, Buffer.concat([scalarRecord(1, 1, 1), randomBytes(4096)]));
  const tailer = new EventTailer(run);
  const one = await tailer.readNew();
  assert.equal(one.events.length, 1);
  assert.equal(one.skipped.badCrc, 1);
  appendFileSync(f, scalarRecord(2, 2, 2));
  const two = await tailer.readNew();
  assert.deepEqual(lossPoints(two.events), [[2, 2, 2]]);
  assert.equal(two.skipped.badCrc, 0);
});

test('tailing: a corrupt region longer than maxGarbageBytes is given up on with one notice; records appended later arrive', async () => {
  const run = tmp();
  const f = join(run, 'events.out.tfevents.1700000000.h.1.0');
  const before = scalarRecord(1, 1, 1);
  writeFileSync(f, Buffer.concat([before, randomBytes(300_000)]));
  const tailer = new EventTailer(run, { maxGarbageBytes: 100_000 });
  const one = await tailer.readNew();
  assert.deepEqual(lossPoints(one.events), [[1, 1, 1]]);
  assert.deepEqual(one.problems, [
    {
      file: f,
      kind: 'corrupt',
      message: `event file ${f}: no valid record in the 0.1 MiB from byte ${before.length}; skipped the rest (to byte ${before.length + 300_000}) until it grows`,
    },
  ]);
  assert.equal(tailer.positions.get(f), before.length + 300_000);
  assert.deepEqual((await tailer.readNew()).problems, []);
  appendFileSync(f, scalarRecord(2, 2, 2));
  const two = await tailer.readNew();
  assert.deepEqual(lossPoints(two.events), [[2, 2, 2]]);
  assert.deepEqual([two.problems, two.skipped.badCrc], [[], 0]);
});

test('hparams.yml: the writer round-trips and the newest timestamp dir wins', async () => {
  const run = tmp();
  py(
    `
t.write_hparams_yml(os.path.join(sys.argv[1], "1700000000.5", "hparams.yml"), {"max_train_steps": 100})
t.write_hparams_yml(os.path.join(sys.argv[1], "1700000900.25", "hparams.yml"), {
  "max_train_steps": 250, "learning_rate": 1e-05, "use_ema": False, "vae": None, "prompt": "yes: it's", "n": "12",
  "weights": [0.5, "a"], "neg": -3, "big": 1e20})`,
    [run],
  );
  assert.equal((await findHparamsFiles(run)).length, 2);
  const latest = await readLatestHparams(run);
  assert.ok(latest);
  assert.equal(latest.timestamp, 1700000900.25);
  assert.deepEqual(latest.errors, []);
  assert.deepEqual(latest.values, {
    big: 1e20,
    learning_rate: 1e-5,
    max_train_steps: 250,
    n: '12',
    neg: -3,
    prompt: "yes: it's",
    use_ema: false,
    vae: null,
    weights: [0.5, 'a'],
  });
  assert.equal(await readLatestHparams(join(run, 'none')), undefined);
});

test(
  'hparams.yml as PyYAML writes it (folded long strings, quoting, lists) parses to the same values',
  { skip: !hasPyYaml() && 'PyYAML not installed' },
  () => {
    const values = {
      validation_prompt: 'a photo of a sks dog in a bucket, highly detailed, studio lighting, 85mm, sharp focus, trending',
      quoted: "it's: 'here' #1 " + 'word '.repeat(20),
      multi: 'line1\nline2\n\nline4',
      learning_rate: 1e-5,
      lr: 0.0001,
      max_train_steps: 15000,
      use_ema: true,
      none: null,
      yes: 'yes',
      num: '1.5',
      empty: '',
      list: ['a', 1, 2.5],
      tab: 'a\tb\u0001',
    };
    const text = py(`import yaml; sys.stdout.write(yaml.dump(json.loads(sys.argv[1])))`, [JSON.stringify(values)]).toString();
    assert.match(text, /\n {2}\S/); // the sample really contains folded continuation lines
    const parsed = parseHparamsYaml(text);
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.values, values);
  },
);

test('hparams.yml: bad lines are reported with their line number, the rest is kept', () => {
  const r = parseHparamsYaml("a: 1\nthis is not yaml\nb: 'open\nnested:\n  x: 1\nc: two\n");
  assert.deepEqual(r.values, { a: 1, c: 'two' });
  assert.deepEqual(
    r.errors.map((e) => e.line),
    [2, 3, 4],
  );
});

function capture(cwd: string): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    readStdin: async () => '',
    cwd,
  };
  return io;
}

test('cli: events --json prints scalars, images, records and skip counts across all files of a run', async () => {
  const out = tmp();
  py(
    `
run = os.path.join(sys.argv[1], "logs", "text2image-fine-tune-sdxl")
w = t.EventWriter(run)
hp = t.EventWriter(os.path.join(run, "1700000000.1"))
hp.add_hparams_events({"learning_rate": 1e-4})
hp.close()
for s in (1, 2): w.add_scalar("train_loss", s / 4, s, wall_time=50 + s)
w.add_image("validation", t.png_encode(*t.make_grid([(4, 4, bytes(48))] * 2)), 4, 8, 0)
w.write_raw(b"garbage!" * 10)
w.add_scalar("train_loss", 0.1, 3, wall_time=53)
w.write_raw(t.encode_record(t.encode_scalar_event("train_loss", 9, 4, 54))[:-5])
w.close()`,
    [out],
  );
  const io = capture(out);
  assert.equal(await main(['events', '.', '--json'], io), 0, io.stderr);
  const report = JSON.parse(io.stdout);
  assert.deepEqual(Object.keys(report), ['scalars', 'images', 'records', 'skipped']);
  assert.deepEqual(report.scalars, {
    train_loss: [
      [1, 0.25, 51],
      [2, 0.5, 52],
      [3, Math.fround(0.1), 53],
    ],
  });
  assert.equal(report.images.length, 1);
  const im = report.images[0];
  assert.deepEqual({ ...im, bytes: undefined }, { tag: 'validation', step: 0, width: 8, height: 4, bytes: undefined });
  assert.ok(im.bytes > 50);
  // main file: version + 2 scalars + image + scalar; hparams file: version + 3 hparams events.
  assert.equal(report.records, 9);
  assert.deepEqual(report.skipped, { badCrc: 1, truncated: 1 });

  const human = capture(out);
  assert.equal(await main(['events', out], human), 0);
  assert.match(human.stdout, /train_loss: 3 point/);
});

test('cli: events summarises a tag with more points than a function call takes arguments', async () => {
  const dir = tmp();
  const records = scalarRecords([
    [7, 0.5, 10],
    [300_000, 0.25, 11],
  ]);
  // 200,000 points: Math.min(...steps) would throw "Maximum call stack size exceeded".
  writeFileSync(join(dir, 'events.out.tfevents.1700000000.h.1.0'), Buffer.concat([...Array<Buffer>(199_999).fill(records[0]!), records[1]!]));
  const io = capture(dir);
  assert.equal(await main(['events', dir], io), 0, io.stderr);
  assert.match(io.stdout, /scalar train_loss: 200000 point\(s\), steps 7–300000, last 0\.25 at step 300000/);
});

test('cli: events reports a missing path and bad options', async () => {
  const io = capture(tmpdir());
  assert.equal(await main(['events', 'no/such/dir-xyz', '--json'], io), 1);
  assert.match(io.stderr, /no such file or directory/);
  const bad = capture(tmpdir());
  assert.equal(await main(['events', '.', '--frobnicate'], bad), 2);
  assert.equal(await main(['events'], bad), 2);
});

test('decodeMessage reads keys and lengths of every varint width alike (the 4-byte fast path and the BigInt path agree)', () => {
  /** `v` as a varint of exactly `width` bytes (non-minimal encodings pad with 0x80 continuation bytes). */
  const varint = (v: bigint, width: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < width; i++) {
      const last = i === width - 1;
      out.push(Number(v & 0x7fn) | (last ? 0 : 0x80));
      v >>= 7n;
    }
    return out;
  };
  const minWidth = (v: bigint) => Math.max(1, Math.ceil(v.toString(2).length / 7));
  for (const no of [1n, 2n, 15n, 16n, 2047n, 2048n, (1n << 25n) - 1n, 1n << 25n, 536870911n]) {
    for (let width = minWidth((no << 3n) | 2n); width <= 10; width++) {
      for (const lenWidth of [1, 3, 4, 5, 10]) {
        const payload = [7, 8, 9];
        const msg = Uint8Array.from([
          ...varint((no << 3n) | 2n, width),
          ...varint(3n, lenWidth),
          ...payload,
          ...varint((no << 3n) | 0n, width),
          ...varint(300n, 5),
        ]);
        const r = decodeMessage(msg);
        assert.ok(r.ok, `field ${no}, key of ${width} bytes, length of ${lenWidth}: ${r.ok ? '' : r.error}`);
        assert.deepEqual(
          r.fields.map((f) => [f.no, f.wire]),
          [
            [Number(no), 2],
            [Number(no), 0],
          ],
        );
        assert.deepEqual([...(r.fields[0]!.value as Uint8Array)], payload);
        assert.equal(r.fields[1]!.value, 300n);
        // Cut anywhere: an error naming what was cut, and the fields before it.
        for (let cut = 1; cut < msg.length; cut++) {
          const c = decodeMessage(msg.subarray(0, cut));
          if (!c.ok) assert.match(c.error, /^(truncated|length \d+ of field \d+ runs past the end)/);
        }
      }
    }
  }
  // Field numbers past the limit and zero are refused whatever the width.
  assert.match((decodeMessage(Uint8Array.from(varint(536870912n << 3n, 5))) as { error: string }).error, /invalid field number 536870912/);
  assert.match((decodeMessage(Uint8Array.from([0x80, 0x80, 0x00])) as { error: string }).error, /invalid field number 0/);
  // A length of 2^28 or more (5 bytes) that runs past the end.
  assert.match((decodeMessage(Uint8Array.from([0x0a, ...varint(1n << 28n, 5)])) as { error: string }).error, /length 268435456 of field 1 runs past the end/);
});
