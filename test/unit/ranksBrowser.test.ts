// The dashboard's Ranks view, in the real dashboard bundle in Chromium (test/webviewPage.ts): built from the recorded
// real 2-process consoles through the parser, reducer and dashboard model; shown only for a multi-process run; the
// rank that failed first marked; what the view shows after following the console live (deltas) equals a reload
// (one full view of the same state). Screenshot: test-results/ranks-failed.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ConsoleParser, parseConsole } from '../../src/core/worker/consoleParser';
import { reduce, reduceAll } from '../../src/core/run/reducer';
import { initialRunState, type RunState } from '../../src/core/run/state';
import { RunDeltaTracker, runView, type RunMeta } from '../../src/core/view/dashboardModel';
import { checkHostMessage } from '../../src/shared/dashboardProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';
import { repoRoot } from './supervisorTestKit';

const REAL = join(repoRoot, 'test', 'fixtures', 'real-v0.27.2', 'multi-process-cpu');
const meta = (id: string): RunMeta => ({ id, label: id, simulated: false, imageUri: () => undefined });

let web: WebviewPage;
let page: Page;

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'ranks-', viewport: { width: 1100, height: 800 } });
  page = web.page;
  await web.ready();
});
after(() => web?.close());

function ended(console: Buffer, code: number): RunState {
  return reduceAll([...parseConsole(console), { type: 'exit', code, signal: null }]);
}

/** The Ranks table as shown: one [rank, state, line] per row, and the summary. */
async function shownRanks(): Promise<{ hidden: boolean; summary: string; rows: string[][]; first: string[] }> {
  return page.locator('.ranks-panel').evaluate((el) => ({
    hidden: (el as HTMLElement).hidden,
    summary: el.querySelector('summary')?.textContent ?? '',
    rows: Array.from(el.querySelectorAll('tbody tr')).map((tr) => Array.from(tr.children).map((c) => c.textContent ?? '')),
    first: Array.from(el.querySelectorAll('tr.rank-first th')).map((c) => c.textContent ?? ''),
  }));
}

async function init(view: unknown): Promise<void> {
  const msg = { type: 'init', runs: [view] };
  assert.equal(checkHostMessage(msg), undefined);
  await web.send(msg);
}

test('a failed 2-process run: both ranks, rank 1 marked as the one that failed first, its error shown', { skip }, async () => {
  const s = ended(readFileSync(join(REAL, 'console-2proc-rank1-killed.log')), 1);
  await init(runView(s, meta('killed')));
  await page.waitForSelector('.ranks-panel tbody tr', { state: 'attached' });
  const r = await shownRanks();
  assert.equal(r.hidden, false);
  assert.equal(r.summary, 'Ranks: 2 of 2 seen, rank 1 failed first');
  assert.deepEqual(r.first, ['rank 1']);
  assert.deepEqual(r.rows[1], ['rank 1', 'failed (first)', 'killed by SIGKILL']);
  assert.equal(r.rows[0]![1], 'failed');
  assert.match(r.rows[0]![2]!, /Connection closed by peer/);
  assert.match((await page.locator('.banner-error').textContent()) ?? '', /rank 1 failed first: /);
  await screenshot(page, 'ranks-failed');
  assert.deepEqual(web.pageErrors, []);
});

test('a single-process run shows no Ranks view; a finished 2-process run shows its ranks ended', { skip }, async () => {
  await init(runView(reduceAll(parseConsole('Steps:  10%|█| 1/10 [00:01<00:09,  1.00it/s]\n')), meta('single')));
  await page.waitForFunction(() => (document.querySelector('.ranks-panel') as HTMLElement).hidden);
  assert.equal((await shownRanks()).rows.length, 0);
  await init(runView(ended(readFileSync(join(REAL, 'console-2proc.log')), 0), meta('ok')));
  await page.waitForSelector('.ranks-panel tbody tr', { state: 'attached' });
  const r = await shownRanks();
  assert.equal(r.summary, 'Ranks: 2 of 2 seen');
  assert.deepEqual(
    r.rows.map((row) => row.slice(0, 2)),
    [
      ['rank 0', 'ended'],
      ['rank 1', 'ended'],
    ],
  );
  assert.match(r.rows[0]![2]!, /^Steps: 100%/);
});

test('live equals reload: deltas while the console is read in chunks show what one full view of the end state shows', { skip }, async () => {
  const bytes = readFileSync(join(REAL, 'console-2proc-rank1-killed.log'));
  const tracker = new RunDeltaTracker();
  const m = meta('live');
  let s = initialRunState();
  await init(tracker.full(s, m));
  const parser = new ConsoleParser();
  for (let at = 0; at < bytes.length; at += 613) {
    for (const e of parser.push(bytes.subarray(at, at + 613))) s = reduce(s, e);
    const d = tracker.delta(s, m);
    if (!d) continue;
    assert.equal(checkHostMessage(d), undefined);
    await web.send(d);
  }
  for (const e of [...parser.end(), { type: 'exit', code: 1, signal: null } as const]) s = reduce(s, e);
  const last = tracker.delta(s, m);
  if (last) await web.send(last);
  await page.waitForFunction(() => document.querySelector('.ranks-panel summary')?.textContent?.includes('rank 1 failed first'));
  const live = await shownRanks();
  // The reload: the panel emptied first (another run), so what follows is drawn afresh from one full view.
  await init(runView(initialRunState(), meta('other')));
  await page.waitForFunction(() => (document.querySelector('.ranks-panel') as HTMLElement).hidden);
  await init(runView(s, m));
  await page.waitForSelector('.ranks-panel tbody tr', { state: 'attached' });
  const reload = await shownRanks();
  assert.deepEqual(reload, live);
  assert.equal(live.rows.length, 2);
});

test('the protocol refuses a Ranks view past 64 ranks or with an unknown state', () => {
  const ranks = Array.from({ length: 65 }, (_, i) => ({ rank: i, state: 'running' }));
  assert.match(checkHostMessage({ type: 'delta', runId: 'r', ranks: { ranks } }) ?? '', /at most 64 ranks, got 65/);
  assert.match(checkHostMessage({ type: 'delta', runId: 'r', ranks: { ranks: [{ rank: 0, state: 'asleep' }] } }) ?? '', /ranks\[0\]\.state: expected one of/);
});
