import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardTitle } from '../../src/core/view/dashboardTitle';
import { checkWebviewMessage } from '../../src/shared/dashboardProtocol';

test('the dashboard title names the run shown, or how many when several are compared', () => {
  assert.equal(dashboardTitle([]), 'SDXL Dashboard');
  assert.equal(dashboardTitle(['[simulation] cats · 01:42:11']), 'SDXL: [simulation] cats · 01:42:11');
  assert.equal(dashboardTitle(['cats', 'dogs']), 'SDXL: 2 runs');
  assert.equal(dashboardTitle(['a', 'b', 'c']), 'SDXL: 3 runs');
});

test('the webview reports the runs it shows with a checked shownRuns message', () => {
  assert.equal(checkWebviewMessage({ type: 'shownRuns', runIds: ['a', 'b'] }), undefined);
  assert.equal(checkWebviewMessage({ type: 'shownRuns', runIds: [] }), undefined);
  assert.match(checkWebviewMessage({ type: 'shownRuns', runIds: [''] }) ?? '', /runIds\[0\]: expected a non-empty string/);
  assert.match(checkWebviewMessage({ type: 'shownRuns' }) ?? '', /runIds: missing/);
});
