// The charts read like TensorBoard (issue 13): the x axis choice (step / relative / wall time, the GPU chart on the
// same choice), one loss line when the console's and the event file's losses agree, the epoch average, markers that
// thin out, a click that pins rather than leaves the dashboard, readable small-value ticks, and "Save PNG". Drives the
// real dashboard bundle in Chromium under the production CSP with a fake acquireVsCodeApi (as webviewBrowser.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { STEP_TIME_SERIES, type HostMessage, type MarkerView, type Point, type RunView } from '../../src/shared/dashboardProtocol';
import { decodeChartPng } from '../../src/core/view/chartPng';
import { openWebviewPage, resultsFile, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

let web: WebviewPage;
let page: Page;

const T0 = Date.UTC(2026, 10, 29, 9, 0, 0);
const STEPS = 600;
/** Step s reached 2 s after step s-1, with a 5-minute validation pause after step 300: [step, wall ms]. */
const stepTime = (offsetMs = 0): Point[] =>
  Array.from({ length: STEPS }, (_, i) => [i + 1, T0 + offsetMs + (i + 1) * 2000 + (i + 1 > 300 ? 300_000 : 0)] as Point);
const lossAt = (s: number) => Math.fround(0.08 + 0.1 * Math.exp(-s / 200) + 0.02 * Math.sin(s / 7));
const fullLoss = (): Point[] => Array.from({ length: STEPS }, (_, i) => [i + 1, lossAt(i + 1)] as Point);
/** What the console prints of a loss (tqdm's postfix, 3 significant digits). */
const printedLoss = (): Point[] => fullLoss().map(([s, v]) => [s, Number(v.toPrecision(3))] as Point);

function run(id: string, label: string, extra: Partial<RunView> = {}): RunView {
  return {
    id,
    label,
    loaded: true,
    status: { outcome: 'running', phase: 'training', stepsPerEpoch: 100 },
    series: {},
    gallery: [],
    checkpoints: [],
    markers: [],
    gpu: [],
    ...extra,
  };
}

function mainRun(extra: Partial<RunView> = {}): RunView {
  return run('a', 'lora-dog', {
    series: {
      train_loss: fullLoss(),
      step_loss: printedLoss(),
      lr: fullLoss().map(([s]) => [s, 1e-6 + (1e-6 * s) / STEPS] as Point),
      sec_per_it: fullLoss().map(([s]) => [s, 0.02 + 0.001 * Math.sin(s / 9)] as Point),
      [STEP_TIME_SERIES]: stepTime(),
    },
    markers: [100, 200, 300, 400, 500, 600].map((step): MarkerView => ({ step, kind: 'checkpoint', label: `checkpoint-${step}` })),
    gpu: Array.from({ length: 300 }, (_, i) => ({ t: T0 + i * 5000, index: 0, memoryUsedMiB: 9000 + i, memoryTotalMiB: 24576, utilizationPct: 90 })),
    ...extra,
  });
}

const send = (msg: HostMessage) => web.send(msg);
const posted = () => web.posted<Record<string, unknown>>();
const chart = (id: string) => page.locator(`section[data-chart="${id}"]`);
const data = async (id: string, key: string) => chart(id).getAttribute(`data-${key}`);
const json = async <T>(id: string, key: string): Promise<T> => JSON.parse((await data(id, key)) ?? 'null') as T;
/** Waits until chart `id`'s `data-key` satisfies `ok` (the charts redraw on the next animation frame). */
async function until(id: string, key: string, ok: (v: string | null) => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await data(id, key);
    if (ok(v)) return;
    if (Date.now() > deadline) throw new Error(`${what}: data-${key} of ${id} is ${v}`);
    await nextFrames();
  }
}
/** The first x of each line the loss chart draws, by its legend label. */
async function lineStarts(): Promise<Record<string, number>> {
  const labels = await json<string[]>('loss', 'lines');
  const starts = await json<number[]>('loss', 'x-starts');
  return Object.fromEntries(labels.map((l, i) => [l, starts[i]!]));
}
function nextFrames(): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}
async function setXAxis(mode: string, chartId = 'loss'): Promise<void> {
  await page.evaluate((m) => {
    const sel = document.querySelector('vscode-single-select[data-option="xAxis"]') as HTMLElement & { value: string };
    sel.value = m;
    sel.dispatchEvent(new Event('change'));
  }, mode);
  await until(chartId, 'x-axis', (v) => v === mode, `x axis ${mode}`);
}
/** A fresh page (no saved UI state: step axis, first tab) showing `runs`. */
async function init(runs: RunView[]): Promise<void> {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await web.ready();
  await send({ type: 'init', runs });
  await until('loss', 'points', (v) => Number(v) > 0, 'loss drawn');
}

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'chart-options-', viewport: { width: 1100, height: 1000 } });
  page = web.page;
});

after(() => web?.close());

test('the x axis: steps, then h:mm:ss since the first step, then the local clock; each choice keeps its own zoom', { skip }, async () => {
  await init([mainRun()]);
  assert.equal(await data('loss', 'x-axis'), 'step');
  for (const t of await json<string[]>('loss', 'x-ticks')) assert.match(t, /^\d+$/, 'step ticks are step numbers');
  // A zoom in steps.
  await chart('loss').locator('.plot').focus();
  await page.keyboard.press('+');
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.loss !== undefined);
  const stepZoom = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom.loss as [number, number]);

  await setXAxis('relative');
  await until('loss', 'x-ticks', (v) => !!v && JSON.parse(v).every((t: string) => /^\d+:\d\d:\d\d$/.test(t)), 'relative ticks read h:mm:ss');
  assert.deepEqual(
    await lineStarts(),
    { 'train_loss (= step_loss)': 0, 'epoch mean of train_loss': 198 },
    'the loss from 0 s, the first epoch mean at its last step',
  );
  const ticks = await json<string[]>('loss', 'x-ticks');
  assert.ok(ticks.length >= 3, ticks.join(' '));
  assert.equal(
    await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.['loss@relative']),
    undefined,
    'the step zoom does not apply to time',
  );

  await setXAxis('wall');
  await until('loss', 'x-ticks', (v) => !!v && JSON.parse(v).every((t: string) => /^\d\d:\d\d:\d\d$/.test(t)), 'wall ticks read HH:MM:SS');
  await screenshot(page, 'chart-options-wall-time', { fullPage: true });

  await setXAxis('step');
  assert.deepEqual(
    await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom.loss as [number, number]),
    stepZoom,
    'the step zoom is still there',
  );
  await page.keyboard.press('0');
});

test('a run of a few steps: the step axis ticks whole steps only (no 1.5, 2.5)', { skip }, async () => {
  const few = (n: number): Point[] => Array.from({ length: n }, (_, i) => [i + 1, lossAt(i + 1)] as Point);
  await init([run('short', 'eight steps', { series: { train_loss: few(8), step_loss: few(8) } })]);
  const ticks = await json<string[]>('loss', 'x-ticks');
  assert.ok(ticks.length >= 2, ticks.join(' '));
  for (const t of ticks) assert.match(t, /^\d+$/, `step ticks are whole steps: ${ticks.join(' ')}`);
});

test('relative time overlays runs from 0 together; a run without step times is named, not drawn on a time axis', { skip }, async () => {
  const later = run('b', 'lora-dog-2', { series: { train_loss: fullLoss().slice(0, 200), [STEP_TIME_SERIES]: stepTime(3_600_000).slice(0, 200) } });
  const noTimes = run('c', 'old-run', { series: { train_loss: fullLoss().slice(0, 100) } });
  await init([mainRun(), later, noTimes]);
  await send({ type: 'select', runIds: ['a', 'b', 'c'] });
  await setXAxis('relative');
  await until('loss', 'no-step-times', (v) => v === 'old-run', 'the run without step times is named');
  const starts = await lineStarts();
  assert.deepEqual(
    Object.entries(starts).filter(([label]) => !label.includes('epoch mean')),
    [
      ['lora-dog train_loss (= step_loss)', 0],
      ['lora-dog-2 train_loss', 0],
    ],
    'both runs start at 0 although the second started an hour later',
  );
  await setXAxis('step');
  await until('loss', 'no-step-times', (v) => v === '', 'on steps every run is drawn');
});

test('the GPU chart follows the choice: on steps each sample sits at the step reached at its time', { skip }, async () => {
  await init([mainRun()]);
  await page.locator('vscode-tab-header').nth(2).click();
  await setXAxis('step', 'gpu');
  await until('gpu', 'x-range', (v) => !!v, 'the GPU chart drew');
  const [x0, x1] = await json<[number, number]>('gpu', 'x-range');
  // Samples from T0 (before step 1: clamped to it) to T0 + 1495 s (step 600 is at T0 + 1500 s, after the pause).
  assert.equal(x0, 1);
  assert.ok(x1 > 590 && x1 < 600, `the last sample maps to step ${x1}`);
  for (const t of await json<string[]>('gpu', 'x-ticks')) assert.match(t, /^\d+$/);
  await screenshot(page, 'chart-options-gpu-step', { fullPage: true });
  await setXAxis('wall', 'gpu');
  await until('gpu', 'x-range', (v) => v === JSON.stringify([T0 / 1000, T0 / 1000 + 1495]), 'wall time in seconds');
  for (const t of await json<string[]>('gpu', 'x-ticks')) assert.match(t, /^\d\d:\d\d:\d\d$/);
  await screenshot(page, 'chart-options-gpu-wall', { fullPage: true });
});

test('one loss line when step_loss and train_loss carry the same numbers, two when they differ; the epoch mean', { skip }, async () => {
  await init([mainRun()]);
  await until('loss', 'lines', (v) => v === JSON.stringify(['train_loss (= step_loss)', 'epoch mean of train_loss']), 'one loss line and the epoch mean');
  const differ = printedLoss().map(([s, v]) => [s, s % 50 === 0 ? v * 1.5 : v] as Point);
  await init([mainRun({ series: { ...mainRun().series, step_loss: differ } })]);
  await until('loss', 'lines', (v) => v === JSON.stringify(['train_loss', 'step_loss', 'epoch mean of train_loss']), 'two loss lines');
  // The toggle takes the epoch mean away.
  await page.locator('vscode-checkbox[data-option="epochAverage"]').click();
  await until('loss', 'lines', (v) => v === JSON.stringify(['train_loss', 'step_loss']), 'no epoch mean');
  await page.locator('vscode-checkbox[data-option="epochAverage"]').click();
  await until('loss', 'lines', (v) => !!v && v.includes('epoch mean'), 'the epoch mean is back');
});

test('dense markers: labels thin out, and hovering lists every marker near the cursor', { skip }, async () => {
  // A marker at every step: 600 on a chart about 1000 px wide.
  const markers = Array.from({ length: STEPS }, (_, i): MarkerView => ({ step: i + 1, kind: i % 2 ? 'checkpoint' : 'validation', label: `m${i + 1}` }));
  await init([mainRun({ markers })]);
  await until('loss', 'markers', (v) => v === String(STEPS), 'all markers in view');
  const width = (await chart('loss').locator('.plot').boundingBox())!.width;
  const labels = Number(await data('loss', 'marker-labels'));
  const lines = Number(await data('loss', 'marker-lines'));
  assert.ok(labels >= 2 && labels <= Math.ceil(width / 90) + 1, `${labels} labels on ${width} px`);
  assert.ok(lines < STEPS / 1.5, `${lines} marker lines`);
  const over = (await chart('loss').locator('.u-over').boundingBox())!;
  await page.mouse.move(over.x + over.width / 2, over.y + over.height / 2);
  await page.waitForFunction(() => document.querySelectorAll('section[data-chart="loss"] .readout-marker').length >= 2);
  const near = await chart('loss').locator('.readout-marker').allTextContents();
  assert.ok(
    near.every((t) => /^┆ m\d+ \(step \d+\)$/.test(t)),
    near.join(' | '),
  );
  // Every marker is listed by a hover somewhere: walk the plot pixel by pixel and collect what the read-out names.
  const seen = new Set<string>();
  for (let px = 1; px < over.width; px += 2) {
    await page.mouse.move(over.x + px, over.y + over.height / 2);
    for (const t of await chart('loss').locator('.readout-marker').allTextContents()) seen.add(t);
  }
  assert.equal(seen.size, STEPS, 'each of the markers shows in the hover read-out somewhere');
  await screenshot(page, 'chart-options-markers', { fullPage: true });
});

test('a click pins the read-out and does not leave the dashboard; its button and the context menu open the console', { skip }, async () => {
  await init([mainRun()]);
  const picks = async () => (await posted()).filter((m) => m.type === 'openConsoleAtStep');
  const before = (await picks()).length;
  const over = (await chart('loss').locator('.u-over').boundingBox())!;
  await page.mouse.move(over.x + over.width * 0.25, over.y + over.height / 2);
  await page.mouse.click(over.x + over.width * 0.25, over.y + over.height / 2);
  await until('loss', 'pinned', (v) => !!v, 'pinned');
  const pinned = Number(await data('loss', 'pinned'));
  // The pin holds while the mouse moves on.
  await page.mouse.move(over.x + over.width * 0.8, over.y + over.height / 2);
  await nextFrames();
  assert.match((await chart('loss').locator('.readout-step').textContent()) ?? '', new RegExp(`pinned at step ${pinned}`));
  assert.equal((await picks()).length, before, 'a plain click posts nothing');
  await chart('loss').locator('vscode-button[data-action="open-console"]').click();
  await page.waitForFunction(
    (n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'openConsoleAtStep').length > n,
    before,
  );
  assert.deepEqual((await picks()).at(-1), { type: 'openConsoleAtStep', runId: 'a', step: pinned });
  // Right-click: the menu offers the same at the step under the cursor.
  await page.mouse.click(over.x + over.width * 0.75, over.y + over.height / 2, { button: 'right' });
  const item = chart('loss').locator('.chart-menu [data-action="open-console"]');
  const text = (await item.textContent()) ?? '';
  const step = Number(/step (\d+)/.exec(text)?.[1]);
  assert.ok(step > pinned, text);
  await screenshot(page, 'chart-options-context-menu', { fullPage: true });
  await item.click();
  await page.waitForFunction(
    (n) => (window as unknown as { __posted: { type: string }[] }).__posted.filter((m) => m.type === 'openConsoleAtStep').length > n + 1,
    before,
  );
  assert.deepEqual((await picks()).at(-1), { type: 'openConsoleAtStep', runId: 'a', step });
  await chart('loss').locator('vscode-button[data-action="unpin"]').click();
  await until('loss', 'pinned', (v) => v === '', 'unpinned');
});

test('small values have readable, distinct y ticks: 0.02 s/it, learning rates of 1e-6, and 1e6', { skip }, async () => {
  await init([mainRun()]);
  const distinct = async (id: string, re: RegExp) => {
    await until('rate', 'y-ticks', (v) => !!v, 'ticks');
    const ticks = (await json<string[]>(id, 'y-ticks')).filter(Boolean);
    assert.ok(ticks.length >= 2, `${id}: ${ticks.join(' ')}`);
    assert.equal(new Set(ticks).size, ticks.length, `${id}: ${ticks.join(' ')}`);
    for (const t of ticks) assert.match(t, re, `${id}: ${ticks.join(' ')}`);
  };
  await distinct('rate', /^0\.0\d+$/);
  await distinct('lr', /^\d(\.\d+)?e-6$/);
  await init([mainRun({ series: { ...mainRun().series, sec_per_it: fullLoss().map(([s]) => [s, 1e6 + s * 1000] as Point) } })]);
  await until('rate', 'y-ticks', (v) => !!v && v.includes('e+6'), 'large ticks');
  await distinct('rate', /^\d(\.\d+)?e\+6$/);
});

test('Save PNG posts the chart with title and legend as a valid PNG the host accepts', { skip }, async () => {
  await init([mainRun()]);
  const before = (await posted()).length;
  await chart('loss').locator('vscode-button[data-action="save-png"]').click();
  await page.waitForFunction((n) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(n).some((m) => m.type === 'saveChartPng'), before);
  const msg = (await posted()).slice(before).find((m) => m.type === 'saveChartPng')!;
  assert.equal(msg.chartId, 'loss');
  assert.equal(msg.runLabel, 'lora-dog');
  const png = decodeChartPng(msg.dataUrl as string);
  assert.ok(png.ok, JSON.stringify(png).slice(0, 200));
  const meta = await sharp(png.bytes).metadata();
  const canvas = await chart('loss')
    .locator('canvas')
    .evaluate((c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, canvas.w);
  assert.ok(meta.height! > canvas.h, `the title and legend add to the chart's ${canvas.h} px: ${meta.height}`);
  // The theme's background, not a transparent canvas.
  const { data: px } = await sharp(png.bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([...px.subarray(0, 3)], [0x1f, 0x1f, 0x1f]);
  writeFileSync(resultsFile('chart-options-loss-export.png'), png.bytes);
  assert.deepEqual(web.pageErrors, []);
});
