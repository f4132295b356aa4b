import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkHostMessage,
  checkWebviewMessage,
  emptyRunView,
  isHostMessage,
  isWebviewMessage,
  type HostMessage,
  type WebviewMessage,
} from '../../src/shared/dashboardProtocol';
import { dashboardHtml } from '../../src/shared/dashboardHtml';

const run = {
  ...emptyRunView('r1', 'Run 1'),
  series: {
    train_loss: [
      [1, 0.5],
      [2, NaN],
    ] as [number, number][],
  },
};

test('valid host messages pass', () => {
  const good: HostMessage[] = [
    { type: 'init', runs: [run], theme: 'dark', smoothing: 0.6 },
    {
      type: 'delta',
      runId: 'r1',
      failure: { class: 'cuda_oom', title: 'Out of GPU memory', message: 'm', remedy: 'r', fixTitle: 'Enable gradient checkpointing' },
    },
    {
      type: 'delta',
      runId: 'r1',
      appendSeries: { lr: [[3, 1e-4]] },
      status: { outcome: 'running', step: 3, etaSeconds: 10 },
      failure: null,
      gallery: [{ epoch: 'test', index: 0, uri: 'https://file+.vscode-resource.vscode-cdn.net/x.png' }],
      checkpoints: [{ step: 500, path: 'out/checkpoint-500', complete: true }],
      markers: [{ step: 500, kind: 'checkpoint' }],
      gpu: [{ t: 1, index: 0, memoryUsedMiB: 100 }],
      notices: ['cannot read /x/events: bad CRC'],
    },
    { type: 'runData', run: { ...run, notices: [] } },
    { type: 'reset' },
    { type: 'reset', runId: 'r1' },
    { type: 'runData', run },
    { type: 'theme', theme: 'high-contrast' },
  ];
  for (const m of good) assert.equal(checkHostMessage(m), undefined, JSON.stringify(m));
});

test('malformed host messages are rejected with the offending path', () => {
  const bad: [unknown, RegExp][] = [
    [null, /expected an object/],
    ['init', /expected an object/],
    [[], /expected an object/],
    [{ type: 'nope' }, /unknown type "nope"/],
    [{}, /unknown type undefined/],
    [{ type: 'toString' }, /unknown type/],
    [{ type: 'init' }, /runs: missing/],
    [{ type: 'init', runs: [{ ...run, id: '' }] }, /runs\[0\]\.id/],
    [{ type: 'init', runs: [run], theme: 'pink' }, /theme: expected one of/],
    [{ type: 'init', runs: [run], smoothing: 1 }, /smoothing/],
    [{ type: 'delta', runId: 5 }, /runId/],
    [{ type: 'delta', runId: 'r', appendSeries: { train_loss: [[1, '0.5']] } }, /train_loss\[0\]/],
    [{ type: 'delta', runId: 'r', appendSeries: { train_loss: [[1]] } }, /train_loss\[0\]/],
    [{ type: 'delta', runId: 'r', appendSeries: { train_loss: [[NaN, 1]] } }, /train_loss\[0\]/],
    [{ type: 'delta', runId: 'r', appendSeries: [] }, /appendSeries/],
    [{ type: 'delta', runId: 'r', status: { outcome: 'running', step: -1 } }, /status\.step/],
    [{ type: 'delta', runId: 'r', status: { step: 1 } }, /status\.outcome/],
    [{ type: 'delta', runId: 'r', status: { outcome: 'exploded' } }, /status\.outcome/],
    [{ type: 'delta', runId: 'r', gallery: [{ epoch: 1.5, index: 0, uri: 'u' }] }, /gallery\[0\]\.epoch/],
    [{ type: 'delta', runId: 'r', gallery: [{ epoch: 1, index: 0, uri: '' }] }, /gallery\[0\]\.uri/],
    [{ type: 'delta', runId: 'r', checkpoints: [{ step: 1, path: 'p' }] }, /checkpoints\[0\]\.complete: missing/],
    [{ type: 'delta', runId: 'r', markers: [{ step: 1, kind: 'party' }] }, /markers\[0\]\.kind/],
    [{ type: 'delta', runId: 'r', failure: { class: 'x', message: 'm' } }, /failure\.remedy/],
    [{ type: 'delta', runId: 'r', failure: { class: 'x', message: 'm', remedy: 'r', consoleLine: 1.5 } }, /consoleLine/],
    [{ type: 'delta', runId: 'r', failure: { class: 'x', title: 7, message: 'm', remedy: 'r' } }, /failure\.title/],
    [{ type: 'delta', runId: 'r', failure: { class: 'x', message: 'm', remedy: 'r', fixTitle: ['f'] } }, /failure\.fixTitle/],
    [{ type: 'runData', run: { ...run, series: { a: 'b' } } }, /series\.a/],
    [{ type: 'reset', runId: '' }, /runId/],
    [{ type: 'delta', runId: 'r', notices: 'disk full' }, /notices/],
    [{ type: 'runData', run: { ...run, notices: [7] } }, /notices\[0\]/],
  ];
  for (const [m, re] of bad) {
    const err = checkHostMessage(m);
    assert.ok(err, `should reject ${JSON.stringify(m)}`);
    assert.match(err, re);
    assert.equal(isHostMessage(m), false);
  }
});

test('webview messages are validated both ways', () => {
  const good: WebviewMessage[] = [
    { type: 'ready', protocol: 1 },
    { type: 'requestRun', runId: 'r' },
    { type: 'openConsoleAt', runId: 'r', line: 12 },
    { type: 'openConsoleAtStep', runId: 'r', step: 212 },
    { type: 'openCheckpoint', runId: 'r', step: 500, path: 'out/checkpoint-500' },
    { type: 'compareRuns', runIds: ['a', 'b'] },
    { type: 'setSmoothing', weight: 0.9 },
    { type: 'openImage', runId: 'r', uri: 'x' },
    { type: 'applyFix', runId: 'r' },
  ];
  for (const m of good) assert.ok(isWebviewMessage(m), JSON.stringify(m));
  assert.match(checkWebviewMessage({ type: 'applyFix' }) ?? '', /'applyFix'\.runId: missing/);
  assert.match(checkWebviewMessage({ type: 'applyFix', runId: '' }) ?? '', /runId: expected a non-empty string/);
  const bad: unknown[] = [
    { type: 'ready' },
    { type: 'openConsoleAt', runId: 'r', line: -1 },
    { type: 'openConsoleAt', runId: 'r', line: '3' },
    { type: 'openConsoleAtStep', runId: 'r', step: 1.5 },
    { type: 'compareRuns', runIds: [1] },
    { type: 'setSmoothing', weight: 1.5 },
    { type: 'init', runs: [] },
    42,
  ];
  for (const m of bad) assert.ok(checkWebviewMessage(m), `should reject ${JSON.stringify(m)}`);
});

test("openCheckpoint: the path must be a plausible path (the host then confines it to the run's folders)", () => {
  const m = (path: unknown) => ({ type: 'openCheckpoint', runId: 'r', step: 5, path });
  assert.equal(checkWebviewMessage(m('/abs/out/checkpoint-5')), undefined);
  for (const bad of ['', 'out/checkpoint-5\0', 'a\nb', 'x'.repeat(4097), 5, null]) {
    assert.match(checkWebviewMessage(m(bad)) ?? '', /path/, JSON.stringify(bad).slice(0, 40));
  }
});

test('dashboardHtml has a strict CSP and nonce-only script and style', () => {
  const html = dashboardHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://x/d.js', styleUri: 'https://x/d.css' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net 'nonce-abc123'/);
  assert.match(csp, /img-src https:\/\/x\.vscode-cdn\.net data:/);
  assert.doesNotMatch(csp, /unsafe/);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts.every((s) => s.includes('nonce="abc123"') && s.includes('src=')));
  assert.doesNotMatch(html, /style="/);
  assert.throws(() => dashboardHtml({ cspSource: 'x', nonce: 'a"b', scriptUri: 's', styleUri: 't' }), /nonce/);
  assert.match(dashboardHtml({ cspSource: 'x', nonce: 'n', scriptUri: 'a&b', styleUri: 't' }), /src="a&amp;b"/);
});

test('select names runs by id and nothing else', () => {
  assert.equal(checkHostMessage({ type: 'select', runIds: ['a', 'b'] }), undefined);
  assert.match(checkHostMessage({ type: 'select', runIds: [1] }) ?? '', /runIds/);
  assert.match(checkHostMessage({ type: 'select' }) ?? '', /runIds/);
});

test('a message whose type is not a string is rejected, never thrown on (found by the fuzz suite: a BigInt type)', () => {
  for (const type of [10n, { a: 1 }, [1], null, undefined, 5, Symbol('x')]) {
    const cyclic: Record<string, unknown> = { type };
    if (typeof type === 'object' && type !== null) (type as Record<string, unknown>).self = cyclic;
    for (const check of [checkWebviewMessage, checkHostMessage]) assert.match(check(cyclic) ?? '', /message: unknown type/);
  }
  assert.equal(checkWebviewMessage({ type: 'x'.repeat(10_000) })!.length < 200, true);
});

test('saveImage names an image by run, epoch (or test) and index, never by path', () => {
  assert.equal(checkWebviewMessage({ type: 'saveImage', runId: 'r1', epoch: 3, index: 0 }), undefined);
  assert.equal(checkWebviewMessage({ type: 'saveImage', runId: 'r1', epoch: 'test', index: 2 }), undefined);
  assert.match(checkWebviewMessage({ type: 'saveImage', runId: 'r1', epoch: 'last', index: 0 }) ?? '', /'saveImage'\.epoch: expected an integer >= 0/);
  assert.match(checkWebviewMessage({ type: 'saveImage', runId: 'r1', epoch: 1, index: -1 }) ?? '', /'saveImage'\.index: expected an integer >= 0/);
  assert.match(checkWebviewMessage({ type: 'saveImage', runId: '', epoch: 1, index: 0 }) ?? '', /'saveImage'\.runId: expected a non-empty string/);
  assert.match(checkWebviewMessage({ type: 'saveImage', epoch: 1, index: 0 }) ?? '', /'saveImage'\.runId: missing/);
  assert.match(checkWebviewMessage({ type: 'saveImage', runId: 'r1', index: 0 }) ?? '', /'saveImage'\.epoch: missing/);
});
