// Fuzz: the Preview Dataset protocol's checkers (shared/datasetProtocol.ts) on random messages and mutations of valid
// ones, both directions (the webview is untrusted input; the host's messages are checked by the webview too).
// Properties: neither checker throws; each agrees with its type guard; a rejection names its side; an accepted webview
// message has exactly the field types the panel's handler relies on (checked here independently), and an accepted
// `requestPage` paged by the real gallery model gives a `page` message the webview accepts, within the filtered total.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DatasetImage, DatasetReport } from '../../src/core/dataset/types';
import { DatasetGallery } from '../../src/core/view/datasetGallery';
import {
  checkDatasetHostMessage,
  checkDatasetWebviewMessage,
  isDatasetHostMessage,
  isDatasetWebviewMessage,
  MAX_PAGE_SIZE,
  type DatasetHostMessage,
  type DatasetImageView,
  type DatasetWebviewMessage,
  type FindingView,
} from '../../src/shared/datasetProtocol';
import { runFuzz, type Rng } from './fuzzKit';

const WEBVIEW: DatasetWebviewMessage[] = [
  { type: 'ready', protocol: 1 },
  { type: 'requestPage', requestId: 3, offset: 60, limit: 30, filter: { problemsOnly: false } },
  { type: 'requestPage', requestId: 4, offset: 0, limit: MAX_PAGE_SIZE, filter: { problemsOnly: true, code: 'no-caption' } },
  { type: 'selectImage', index: 7, draw: 2 },
  { type: 'openImage', index: 0 },
  { type: 'recheck' },
];
const finding: FindingView = { code: 'no-caption', severity: 'warning', message: 'empty caption', fix: 'write one', line: 3, file: 'metadata.jsonl' };
const image: DatasetImageView = { index: 1, name: 'a.png', role: 'train', caption: null, width: 64, height: 48, format: 'png', findings: [finding] };
const HOST: DatasetHostMessage[] = [
  { type: 'progress', title: 'demo', target: '/w/demo.sdxl.json', done: 3, total: 10 },
  {
    type: 'init',
    overview: {
      title: 'demo',
      target: '/w/demo.sdxl.json',
      resolution: 1024,
      centerCrop: false,
      randomFlip: true,
      images: 3,
      errors: 1,
      warnings: 0,
      infos: 0,
      cancelled: false,
      resolutionHistogram: { labels: ['<512'], counts: [3] },
      aspectHistogram: { labels: ['1:1'], counts: [3] },
      codeCounts: [{ code: 'no-caption', count: 1 }],
      otherFindings: [finding],
      otherFindingsLeftOut: 0,
    },
  },
  { type: 'page', requestId: 1, offset: 0, total: 1, items: [image] },
  {
    type: 'thumbs',
    thumbs: [
      { index: 1, uri: 'https://x/a.png' },
      { index: 2, error: 'bad' },
    ],
  },
  {
    type: 'crop',
    index: 1,
    draw: 0,
    image: image,
    crop: {
      resizedWidth: 1365,
      resizedHeight: 1024,
      left: 170,
      top: 0,
      size: 1024,
      flipped: false,
      originalSize: [48, 64],
      cropsCoordsTopLeft: [0, 170],
      keptFraction: 0.75,
    },
    imageUri: 'https://x/a.png',
  },
  { type: 'failed', message: 'no dataset' },
];
const TYPES = [...WEBVIEW.map((m) => m.type), ...HOST.map((m) => m.type), '', 'READY', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const KEYS = [
  'type',
  'protocol',
  'requestId',
  'offset',
  'limit',
  'filter',
  'problemsOnly',
  'code',
  'index',
  'draw',
  'items',
  'thumbs',
  'overview',
  'crop',
  'image',
  'findings',
  '__proto__',
  'constructor',
  '',
];

/** A value of any shape postMessage can carry (structured clone): no functions, but Maps, Dates, BigInts, cycles. */
function anyValue(rng: Rng, depth: number): unknown {
  switch (rng.int(depth > 3 ? 12 : 15)) {
    case 0:
      return undefined;
    case 1:
      return null;
    case 2:
      return rng.chance(0.5);
    case 3:
      return rng.pick([0, -0, 1, -1, 0.5, 200, 201, MAX_PAGE_SIZE, 2 ** 53, 2 ** 53 + 2, 1e300, -(2 ** 31), NaN, Infinity, -Infinity, Number.MIN_VALUE]);
    case 4:
      return rng.between(-5, 1_000_000);
    case 5:
      return rng.u32() / 2 ** 32;
    case 6:
      return rng.string(rng.size(64));
    case 7:
      return rng.string(rng.size(32), 'abc/.\\-_ 0\n\r\0\u202e\ud800');
    case 8:
      return BigInt(rng.u32());
    case 9:
      return new Date(rng.u32());
    case 10:
      return rng.pick(['no-caption', 'corrupt-image', '', '/etc/passwd', '../../x', 'x'.repeat(5000), '1', 'true', 'error', 'warning']);
    case 11:
      return new Uint8Array(rng.size(16));
    case 12:
      return Array.from({ length: rng.size(8) }, () => anyValue(rng, depth + 1));
    case 13: {
      const o: Record<string, unknown> = {};
      for (let i = rng.size(6); i > 0; i--) o[rng.chance(0.7) ? rng.pick(KEYS) : rng.string(rng.size(8))] = anyValue(rng, depth + 1);
      return o;
    }
    default:
      return new Map([[rng.pick(KEYS), anyValue(rng, depth + 1)]]);
  }
}

/** A copy of `v` with one value somewhere inside it replaced, removed, or given a wrong type (nested objects too). */
function mutateDeep(rng: Rng, v: unknown, depth: number): unknown {
  if (Array.isArray(v)) {
    const a: unknown[] = v.map((x) => (rng.chance(0.3) ? mutateDeep(rng, x, depth + 1) : x));
    if (rng.chance(0.1)) a.length += 2; // holes
    if (rng.chance(0.1)) a.push(anyValue(rng, 2));
    return a;
  }
  if (typeof v !== 'object' || v === null || depth > 4) return rng.chance(0.5) ? anyValue(rng, 2) : v;
  const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(o);
  switch (rng.int(6)) {
    case 0:
      if (keys.length > 0) o[rng.pick(keys)] = anyValue(rng, 1);
      break;
    case 1:
      if (keys.length > 0) delete o[rng.pick(keys)];
      break;
    case 2:
      o[rng.pick(KEYS)] = anyValue(rng, 1);
      break;
    case 3:
      o.type = rng.pick(TYPES);
      break;
    case 4:
      if (keys.length > 0) Object.defineProperty(o, rng.pick(keys), { value: anyValue(rng, 1), enumerable: rng.chance(0.5) });
      break;
    default:
      if (keys.length > 0) {
        const k = rng.pick(keys);
        o[k] = mutateDeep(rng, o[k], depth + 1);
      }
  }
  return o;
}

/** A valid webview message with other valid values, sometimes with extra keys. */
function revalue(rng: Rng, m: DatasetWebviewMessage): Record<string, unknown> {
  const o: Record<string, unknown> = { ...m };
  const count = () => (rng.chance(0.7) ? rng.int(1000) : rng.pick([0, 2 ** 31, 2 ** 53 - 1, 1e300]));
  for (const k of ['protocol', 'requestId', 'offset', 'index', 'draw']) if (k in o) o[k] = count();
  if ('limit' in o) o.limit = rng.between(1, MAX_PAGE_SIZE);
  if ('filter' in o)
    o.filter = { problemsOnly: rng.chance(0.5), ...(rng.chance(0.5) ? { code: rng.pick(['no-caption', 'too-small', 'x', 'constructor']) } : {}) };
  if (rng.chance(0.3)) o[rng.string(rng.size(6))] = anyValue(rng, 2);
  return o;
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** What the panel's onMessage reads from each message type, stated again independently of the protocol's checks. */
function assertUsable(m: Record<string, unknown>): void {
  switch (m.type) {
    case 'ready':
      assert.ok(isCount(m.protocol));
      break;
    case 'requestPage': {
      assert.ok(isCount(m.requestId) && isCount(m.offset));
      assert.ok(Number.isInteger(m.limit) && (m.limit as number) >= 1 && (m.limit as number) <= MAX_PAGE_SIZE, 'a page of 1 to MAX_PAGE_SIZE images');
      const f = m.filter as Record<string, unknown>;
      assert.ok(typeof f === 'object' && f !== null && typeof f.problemsOnly === 'boolean');
      assert.ok(f.code === undefined || (typeof f.code === 'string' && f.code.length > 0));
      break;
    }
    case 'selectImage':
      assert.ok(isCount(m.index) && isCount(m.draw));
      break;
    case 'openImage':
      assert.ok(isCount(m.index));
      break;
    case 'recheck':
      break;
    default:
      assert.fail(`accepted a message of unknown type ${String(m.type)}`);
  }
}

function galleryReport(): DatasetReport {
  const images: DatasetImage[] = [];
  for (let i = 0; i < 37; i++) {
    const codes: DatasetImage['codes'] = i % 5 === 0 ? ['no-caption'] : i % 7 === 0 ? ['too-small', 'crop-loss'] : [];
    images.push({
      file: `/data/set/img${i}.png`,
      role: 'train',
      width: 64 + i,
      height: 64,
      format: 'png',
      caption: codes.length ? null : `caption ${i}`,
      codes,
    });
  }
  const findings = images.flatMap((img) => img.codes.map((code) => ({ code, severity: 'warning' as const, file: img.file, message: `${code} here` })));
  return {
    source: { kind: 'imagefolder', dir: '/data/set', imageColumn: 'image', captionColumn: 'text' },
    resolution: 1024,
    images,
    findings,
    summary: {
      images: 37,
      errors: 0,
      warnings: findings.length,
      infos: 0,
      resolution: { labels: ['<512'], counts: [37] },
      aspect: { labels: ['1:1'], counts: [37] },
    },
  };
}

test('fuzz: Preview Dataset messages', async () => {
  const gallery = new DatasetGallery(galleryReport(), { title: 't', target: '/data/set/x.sdxl.json', centerCrop: false, randomFlip: true });
  let accepted = 0;
  let cases = 0;
  await runFuzz<{ side: 'webview' | 'host'; msg: unknown }>({
    name: 'dataset-messages',
    file: 'test/fuzz/datasetMessage.fuzz.ts',
    generate: (rng) => {
      const side = rng.chance(0.75) ? 'webview' : 'host';
      const r = rng.int(4);
      if (r === 3) return { side, msg: anyValue(rng, 0) };
      if (side === 'host') return { side, msg: r === 0 ? structuredClone(rng.pick(HOST)) : mutateDeep(rng, rng.pick(HOST), 0) };
      const valid = rng.pick(WEBVIEW);
      return { side, msg: r === 0 ? revalue(rng, valid) : mutateDeep(rng, valid, 0) };
    },
    check: ({ side, msg }) => {
      cases++;
      const problem = side === 'webview' ? checkDatasetWebviewMessage(msg) : checkDatasetHostMessage(msg);
      assert.equal(side === 'webview' ? isDatasetWebviewMessage(msg) : isDatasetHostMessage(msg), problem === undefined, 'the guard agrees');
      if (problem !== undefined) {
        assert.equal(typeof problem, 'string');
        assert.ok(problem.startsWith(`${side} message`), `a rejection names its side: ${problem.slice(0, 100)}`);
        return;
      }
      accepted++;
      if (side === 'host') return;
      const m = msg as Record<string, unknown>;
      assertUsable(m);
      if (m.type === 'requestPage') {
        const req = msg as Extract<DatasetWebviewMessage, { type: 'requestPage' }>;
        const page = gallery.page(req.filter, req.offset, req.limit);
        const reply = { type: 'page', requestId: req.requestId, ...page };
        assert.equal(checkDatasetHostMessage(reply), undefined, 'the page the host answers with is one the webview accepts');
        assert.ok(page.items.length <= req.limit && (page.total === 0 ? page.offset === 0 : page.offset < page.total), 'a page within the total');
      }
    },
    describe: ({ side, msg }) => {
      try {
        return `${side}: ${JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 400) ?? String(msg)}`;
      } catch {
        return `${side}: (a message with a cycle)`;
      }
    },
  });
  // The accepted side of the property was exercised too, not only rejections.
  assert.ok(accepted > cases / 10, `${accepted} of ${cases} messages accepted`);
});
