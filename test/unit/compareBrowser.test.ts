// Loads the real Compare Samples bundle in Chromium under the production CSP, with a fake acquireVsCodeApi, and plays
// the host's part: the ready handshake, a running job's snapshots (cells fill in live, the image being made shows its
// progress), CLIP scores and column means, the viewer's keys and Save, and a reload that restores scroll and viewer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { CompareHostMessage, CompareJobView, CompareWebviewMessage } from '../../src/shared/compareProtocol';
import type { GenerationState } from '../../src/core/generate/types';
import { compareJobView } from '../../src/core/view/compareView';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';
import { allImages, plantJob, plantedSettings } from '../generate/plantedJob';

let web: WebviewPage;
let page: Page;
let full: GenerationState;

const settings = plantedSettings({ prompts: ['a photo of sks dog', 'a sks dog in a bucket', 'a sks dog on the moon'], width: 96, height: 64 });
const every = allImages(settings);

/** The host's snapshot of the job with its first `count` images (as compareJobView makes it), the next one in progress. */
function snapshot(count: number, scores = new Map<string, number>()): CompareJobView {
  const images = full.images.slice(0, count);
  const next = every[count];
  const state: GenerationState = {
    ...full,
    images,
    status: count === every.length ? 'succeeded' : 'generating',
    ...(next && count < every.length ? { current: { source: next.source, promptIndex: next.promptIndex, seed: next.seed, step: 5, steps: 20 } } : {}),
  };
  return compareJobView({ state, uriOf: (file) => `${web.origin}/job/${file}`, scores, clip: { state: 'scored', model: 'tiny' } });
}

const send = (msg: CompareHostMessage) => web.send(msg);
const posted = () => web.posted<CompareWebviewMessage>();
const cellSel = (source: string, prompt: number, seed: number) => `.cell[data-source="${source}"][data-prompt="${prompt}"][data-seed="${seed}"]`;

before(async () => {
  if (skip) return;
  web = await openWebviewPage({
    entry: 'webview/src/compare/main.ts',
    bundle: 'compare',
    tempPrefix: 'compare-',
    viewport: { width: 1000, height: 700 },
    rootLabel: 'Sample comparison',
  });
  page = web.page;
  full = await plantJob(join(web.dir, 'job'), { settings, jobId: 'dog-lora-samples-1' });
});

after(() => web?.close());

test('says ready, then draws rows prompt × seed under one prompt heading each, columns base / checkpoint / final', { skip }, async () => {
  await web.ready();
  assert.deepEqual((await posted())[0], { type: 'ready', protocol: 1 });
  await send({ type: 'job', job: snapshot(0) });
  await page.waitForSelector('.col-head');
  assert.deepEqual(await page.locator('.col-title').allTextContents(), ['base', 'checkpoint-4 · step 4', 'final']);
  assert.deepEqual(await page.locator('.prompt').allTextContents(), settings.prompts, 'each prompt once');
  assert.deepEqual(await page.locator('.row-head').allTextContents(), ['seed 42', 'seed 43', 'seed 42', 'seed 43', 'seed 42', 'seed 43']);
  assert.equal(await page.locator('.cell').count(), 3 * 3 * 2);
  assert.match((await page.textContent('.settings'))!, /20 steps · guidance 7\.5 · 96×64 · seed 42…43 · device cpu \(float32\)/);
  assert.match((await page.textContent('.negative'))!, /Negative prompt: blurry/);
  assert.equal(await page.textContent('h2'), 'samples of dog-lora');
  // The first image is being made: its cell shows the step, the others wait.
  assert.equal(await page.getAttribute(cellSel('base', 0, 42), 'class'), 'cell current');
  assert.match((await page.textContent(cellSel('base', 0, 42)))!, /step 5 of 20/);
  assert.equal(await page.textContent(cellSel('final', 2, 43)), 'waiting');
});

test('thumbnails are sized to the panel: the columns share its width, each cell has the images’ aspect', { skip }, async () => {
  const box = await page.locator(cellSel('final', 0, 42)).boundingBox();
  const head = await page.locator('.row-head').first().boundingBox();
  const grid = await page.locator('.grid').boundingBox();
  assert.ok(box && head && grid);
  assert.ok(grid.width > 900, `the grid takes the panel's width (${grid.width} px)`);
  // A row-header column and 3 gaps of 6 px: the three source columns share the rest.
  const expected = (grid.width - head.width - 3 * 6) / 3;
  assert.ok(Math.abs(box.width - expected) < 3, `${box.width} vs ${expected}`);
  assert.ok(Math.abs(box.height - (box.width * 64) / 96) < 2, `${box.height} high for ${box.width} wide`);
  await page.setViewportSize({ width: 700, height: 700 });
  const smaller = await page.locator(cellSel('final', 0, 42)).boundingBox();
  assert.ok(smaller && smaller.width < box.width - 50, 'narrower panel, narrower thumbnails');
  await page.setViewportSize({ width: 1000, height: 700 });
});

test('cells fill in live as images appear; the grid is not drawn anew (a cell keeps its element)', { skip }, async () => {
  await page.evaluate((sel) => ((document.querySelector(sel) as HTMLElement & { __mark?: number }).__mark = 1), cellSel('final', 2, 43));
  for (const count of [1, 7, 13]) {
    await send({ type: 'job', job: snapshot(count) });
    await page.waitForFunction((n) => document.querySelectorAll('.cell.filled img').length === n, count);
  }
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll<HTMLImageElement>('.cell.filled img')).every((i) => i.complete && i.naturalWidth === 96),
  );
  assert.equal(await page.getAttribute(`${cellSel('base', 0, 42)} img`, 'src'), `${web.origin}/job/base/0-42.png`);
  const next = every[13]!;
  assert.match((await page.textContent(cellSel(next.source, next.promptIndex, next.seed)))!, /step 5 of 20/);
  assert.match((await page.textContent('.status'))!, /generating · 13 of 18 images/);
  assert.equal(await page.evaluate((sel) => (document.querySelector(sel) as HTMLElement & { __mark?: number }).__mark, cellSel('final', 2, 43)), 1);
  await screenshot(page, 'compare-live', { fullPage: true });
});

test('CLIP scores show on each cell and as the mean of each column', { skip }, async () => {
  const scores = new Map(every.map((img, i) => [img.file, img.source === 'base' ? 20 + (i % 2) : img.source === 'final' ? 30 : 25]));
  await send({ type: 'job', job: snapshot(every.length, scores) });
  await page.waitForFunction(() => document.querySelectorAll('.cell.filled').length === 18);
  assert.equal(await page.textContent(`${cellSel('final', 1, 42)} .score`), '30.0');
  assert.deepEqual(await page.locator('.col-score').allTextContents(), ['CLIP 20.5 (mean of 6)', 'CLIP 25.0 (mean of 6)', 'CLIP 30.0 (mean of 6)']);
  assert.match((await page.textContent('.status'))!, /succeeded · 18 images/);
  assert.equal(await page.locator('.clip-note').count(), 0);
  await screenshot(page, 'compare-scored', { fullPage: true });
});

test('without the model: "CLIP scores: not downloaded" and a button that asks the host to download it', { skip }, async () => {
  const job = { ...snapshot(every.length), clip: { state: 'not-downloaded' as const, model: 'Xenova/clip-vit-base-patch32' } };
  await send({ type: 'job', job });
  await page.waitForSelector('.clip-note');
  assert.match((await page.textContent('.clip-note'))!, /CLIP scores: not downloaded \(Xenova\/clip-vit-base-patch32\)/);
  const n = (await posted()).length;
  await page.locator('.download-clip').click();
  await page.waitForFunction((k) => (window as unknown as { __posted: unknown[] }).__posted.length > k, n);
  assert.deepEqual((await posted()).slice(n), [{ type: 'downloadClip' }]);
});

test('the viewer: a click opens it, ←/→ go across sources, ↑/↓ across rows (wrapping), Fit / 1:1, Save names the image, Esc closes', { skip }, async () => {
  await send({ type: 'job', job: snapshot(every.length, new Map(every.map((img) => [img.file, img.source === 'final' ? 30 : 25]))) });
  await page.waitForFunction(() => document.querySelectorAll('.cell .score').length === 18);
  await page.locator(cellSel('checkpoint-4', 0, 43)).click();
  await page.waitForSelector('.viewer:not([hidden]) .viewer-stage img');
  const shown = () => page.locator('.viewer-stage img').evaluate((i) => [i.dataset.source, Number(i.dataset.prompt), Number(i.dataset.seed)]);
  assert.deepEqual(await shown(), ['checkpoint-4', 0, 43]);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await shown(), ['final', 0, 43]);
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(await shown(), ['base', 0, 43], 'wraps to the first source');
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual(await shown(), ['final', 0, 43]);
  await page.keyboard.press('ArrowDown');
  assert.deepEqual(await shown(), ['final', 1, 42], 'the next row is the next prompt’s first seed');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.deepEqual(await shown(), ['final', 0, 42]);
  assert.match((await page.textContent('.viewer-prompt'))!, /a photo of sks dog/);
  assert.match((await page.textContent('.viewer-title'))!, /final · seed 42 · CLIP 30\.0/);

  await page.setViewportSize({ width: 1000, height: 700 });
  const fitted = await page.locator('.viewer-stage img').boundingBox();
  assert.ok(fitted && fitted.width > 500, `fit fills the stage (${fitted?.width} px wide)`);
  await page.locator('.viewer .mode-actual').click();
  await page.waitForSelector('.viewer-stage.actual img');
  const actual = await page.locator('.viewer-stage img').boundingBox();
  assert.deepEqual([actual?.width, actual?.height], [96, 64], '1:1 is the image’s own size');
  await page.locator('.viewer .mode-fit').click();
  await page.waitForSelector('.viewer-stage.fit img');

  const n = (await posted()).length;
  await page.locator('.viewer .save').click();
  await page.waitForFunction((k) => (window as unknown as { __posted: unknown[] }).__posted.length > k, n);
  assert.deepEqual((await posted()).slice(n), [{ type: 'saveImage', jobId: 'dog-lora-samples-1', source: 'final', promptIndex: 0, seed: 42 }]);
  await screenshot(page, 'compare-viewer');

  await page.keyboard.press('Escape');
  await page.waitForSelector('.viewer', { state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-source')), 'final', 'focus back on the cell');
});

test('after a reload the scroll position and the open viewer come back from getState', { skip }, async () => {
  await page.setViewportSize({ width: 1000, height: 400 });
  await page.evaluate(() => window.scrollTo(0, 300));
  await page.waitForFunction(() => {
    const raw = sessionStorage.getItem('vscode-state');
    return raw !== null && (JSON.parse(raw) as { scrollTop: number }).scrollTop === 300;
  });
  await page.locator(cellSel('base', 2, 42)).click();
  await page.keyboard.press('ArrowRight');
  await page.locator('.viewer .mode-actual').click();
  // The click scrolled the cell into view: that position is the one to come back.
  const scrolled = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('vscode-state')!) as { scrollTop: number }).scrollTop);
  assert.ok(scrolled >= 300);
  await page.reload();
  await web.ready();
  assert.deepEqual((await posted())[0], { type: 'ready', protocol: 1 });
  const scores = new Map(every.map((img) => [img.file, 25]));
  await send({ type: 'job', job: snapshot(every.length, scores) });
  await page.waitForSelector('.viewer:not([hidden]) .viewer-stage.actual img');
  assert.deepEqual(await page.locator('.viewer-stage img').evaluate((i) => [i.dataset.source, Number(i.dataset.prompt), Number(i.dataset.seed)]), [
    'checkpoint-4',
    2,
    42,
  ]);
  await page.keyboard.press('Escape');
  await page.waitForSelector('.viewer', { state: 'hidden' });
  assert.equal(await page.evaluate(() => window.scrollY), scrolled);
});

test('the viewer follows a running job: an image not made yet shows once it is, other snapshots leave the viewer as it is', { skip }, async () => {
  await page.setViewportSize({ width: 1000, height: 700 });
  await send({ type: 'job', job: snapshot(10) });
  await page.waitForFunction(() => document.querySelectorAll('.cell.filled').length === 10);
  await page.locator(cellSel('base', 0, 42)).click();
  await page.waitForSelector('.viewer:not([hidden]) .viewer-stage img');
  await page.keyboard.press('ArrowLeft');
  await page.waitForSelector('.viewer .not-yet');
  assert.match((await page.textContent('.viewer-title'))!, /^final · seed 42$/);
  await page.evaluate(() => ((document.querySelector('.viewer .not-yet') as HTMLElement & { __mark?: number }).__mark = 1));
  await send({ type: 'job', job: snapshot(11) });
  await page.waitForFunction(() => document.querySelectorAll('.cell.filled').length === 11);
  assert.equal(await page.evaluate(() => (document.querySelector('.viewer .not-yet') as (HTMLElement & { __mark?: number }) | null)?.__mark), 1);
  await send({ type: 'job', job: snapshot(13) });
  await page.waitForSelector('.viewer-stage img[data-source="final"][data-prompt="0"][data-seed="42"]');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.viewer', { state: 'hidden' });
});

test('a job that is gone says so; malformed host messages are ignored with a warning', { skip }, async () => {
  await send({ type: 'job', job: { ...snapshot(1), images: [{ source: '../x', promptIndex: 0, seed: 1, uri: 'u' }] } as never });
  await send({ type: 'missing', jobId: 'dog-lora-samples-1', message: 'No generation job dog-lora-samples-1 in this workspace.' });
  await page.waitForSelector('.banner-error');
  assert.match((await page.textContent('.banner-error'))!, /No generation job/);
  assert.ok(
    web.warnings.some((w) => /compare: ignored invalid message: host message 'job'\.job\.images\[0\]\.source/.test(w)),
    web.warnings.join('\n'),
  );
  assert.deepEqual(web.pageErrors, []);
  assert.equal(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp.length), 0, 'no CSP violations');
});
