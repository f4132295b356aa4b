// Fuzz: checkWebviewMessage on random messages and mutations of valid ones (the webview is untrusted input).
// Properties: it never throws; a rejection is a message that names the webview side; an accepted message has exactly
// the field types the host's handler relies on (checked here independently).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkWebviewMessage, isWebviewMessage, type WebviewMessage } from '../../src/shared/dashboardProtocol';
import { runFuzz, type Rng } from './fuzzKit';

const VALID: WebviewMessage[] = [
  { type: 'ready', protocol: 1 },
  { type: 'requestRun', runId: 'r1' },
  { type: 'openConsoleAt', runId: 'r1', line: 12 },
  { type: 'openConsoleAtStep', runId: 'r1', step: 212 },
  { type: 'openCheckpoint', runId: 'r1', step: 500, path: 'out/checkpoint-500' },
  { type: 'compareRuns', runIds: ['a', 'b'] },
  { type: 'shownRuns', runIds: ['a'] },
  { type: 'setSmoothing', weight: 0.6 },
  { type: 'openImage', runId: 'r1', uri: 'https://file+.vscode-resource.vscode-cdn.net/x.png' },
  { type: 'saveChartPng', chartId: 'loss', dataUrl: 'data:image/png;base64,iVBORw0KGgo=' },
  { type: 'saveImage', runId: 'r1', epoch: 3, index: 1 },
];
const TYPES = [...VALID.map((m) => m.type), 'init', 'delta', '', 'READY', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const KEYS = ['type', 'runId', 'runIds', 'line', 'step', 'path', 'weight', 'uri', 'protocol', 'epoch', 'index', '__proto__', 'constructor', 'prototype', ''];

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
      return rng.pick([0, -0, 1, -1, 0.5, 0.9999999, 1, 2 ** 53, -(2 ** 31), NaN, Infinity, -Infinity, Number.MIN_VALUE, 1e308]);
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
      return rng.pick(['r1', 'a', 'out/checkpoint-5', '/etc/passwd', '../../x', 'x'.repeat(5000), '1', 'true']);
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

function mutate(rng: Rng, m: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = { ...m };
  for (let n = rng.between(1, 3); n > 0; n--) {
    const keys = Object.keys(o);
    switch (rng.int(6)) {
      case 0:
        o[rng.pick(keys)] = anyValue(rng, 1);
        break;
      case 1:
        delete o[rng.pick(keys)];
        break;
      case 2:
        o[rng.pick(KEYS)] = anyValue(rng, 1);
        break;
      case 3:
        o.type = rng.pick(TYPES);
        break;
      case 4: {
        // Arrays of ids with bad members, holes or huge lengths.
        const ids: unknown[] = Array.from({ length: rng.size(2000) }, () => (rng.chance(0.95) ? `run-${rng.int(100)}` : anyValue(rng, 2)));
        if (rng.chance(0.1)) ids.length += 3; // holes
        o.runIds = ids;
        break;
      }
      default:
        Object.defineProperty(o, rng.pick(keys), { value: anyValue(rng, 1), enumerable: rng.chance(0.5) });
    }
  }
  if (rng.chance(0.05)) o.self = o; // a cycle
  return o;
}

const isNonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** What the host's onMessage reads from each message type, stated again independently of the protocol's checks. */
function assertUsable(m: Record<string, unknown>): void {
  switch (m.type) {
    case 'ready':
      assert.ok(isCount(m.protocol));
      break;
    case 'requestRun':
      assert.ok(isNonEmpty(m.runId));
      break;
    case 'openConsoleAt':
      assert.ok(isNonEmpty(m.runId) && isCount(m.line));
      break;
    case 'openConsoleAtStep':
      assert.ok(isNonEmpty(m.runId) && isCount(m.step));
      break;
    case 'openCheckpoint':
      assert.ok(isNonEmpty(m.runId) && isCount(m.step) && isNonEmpty(m.path));
      assert.ok(!/[\0-\x1f]/.test(m.path as string) && (m.path as string).length <= 4096, 'a path the host can take to the file system');
      break;
    case 'compareRuns':
    case 'shownRuns':
      assert.ok(Array.isArray(m.runIds) && (m.runIds as unknown[]).every(isNonEmpty), 'runIds: non-empty strings, no holes');
      break;
    case 'setSmoothing':
      assert.ok(typeof m.weight === 'number' && m.weight >= 0 && m.weight < 1);
      break;
    case 'openImage':
      assert.ok(isNonEmpty(m.runId) && isNonEmpty(m.uri));
      break;
    case 'saveChartPng':
      assert.ok(typeof m.chartId === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(m.chartId), 'a chart id fit for a file name');
      assert.ok(typeof m.dataUrl === 'string' && m.dataUrl.startsWith('data:image/png;base64,'));
      assert.ok(m.runLabel === undefined || typeof m.runLabel === 'string');
      break;
    case 'saveImage':
      assert.ok(isNonEmpty(m.runId) && (m.epoch === 'test' || isCount(m.epoch)) && isCount(m.index));
      break;
    default:
      assert.fail(`accepted a message of unknown type ${String(m.type)}`);
  }
}

/** A valid message with other valid values (ids, steps, paths), sometimes with extra keys. */
function revalue(rng: Rng, m: WebviewMessage): Record<string, unknown> {
  const o: Record<string, unknown> = { ...m };
  if ('runId' in o) o.runId = rng.string(rng.between(1, 40));
  if ('step' in o) o.step = rng.chance(0.5) ? rng.int(1_000_000) : 2 ** 53 - 1;
  if ('line' in o) o.line = rng.int(1_000_000);
  if ('path' in o) o.path = rng.string(rng.between(1, 300), 'abc/.-_ 0~checkpointé');
  if ('runIds' in o) o.runIds = Array.from({ length: rng.size(50) }, () => rng.string(rng.between(1, 12)));
  if ('weight' in o) o.weight = rng.u32() / 2 ** 32;
  if ('epoch' in o) o.epoch = rng.chance(0.2) ? 'test' : rng.int(1000);
  if ('index' in o) o.index = rng.int(16);
  if (rng.chance(0.3)) o[rng.string(rng.size(6))] = anyValue(rng, 2);
  return o;
}

test('fuzz: checkWebviewMessage', async () => {
  let accepted = 0;
  let cases = 0;
  await runFuzz<unknown>({
    name: 'webview-messages',
    file: 'test/fuzz/webviewMessage.fuzz.ts',
    generate: (rng) => {
      const r = rng.int(4);
      const valid = rng.pick(VALID);
      return r === 0 ? revalue(rng, valid) : r === 3 ? anyValue(rng, 0) : mutate(rng, valid as unknown as Record<string, unknown>);
    },
    check: (msg) => {
      cases++;
      const problem = checkWebviewMessage(msg);
      assert.equal(isWebviewMessage(msg), problem === undefined);
      if (problem !== undefined) {
        assert.equal(typeof problem, 'string');
        assert.match(problem, /^webview message/);
        return;
      }
      accepted++;
      assertUsable(msg as Record<string, unknown>);
    },
    describe: (msg) => {
      try {
        return JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 400) ?? String(msg);
      } catch {
        return '(a message with a cycle)';
      }
    },
  });
  // The accepted side of the property was exercised too, not only rejections.
  assert.ok(accepted > cases / 10, `${accepted} of ${cases} messages accepted`);
});
