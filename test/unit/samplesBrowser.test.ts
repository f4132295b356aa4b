// The Validation tab's samples grid and viewer, in the real dashboard bundle in Chromium under the production CSP with
// a fake acquireVsCodeApi (as webviewBrowser.test.ts does): rows/columns/labels/order, multi-image cells by index, the
// scrubber and size control; the viewer's fit/zoom/1:1, a small image never below its thumbnail, keys by step and
// prompt, side by side (two steps, two runs), "Save image as…", and all of it back after a reload.
// Screenshots: test-results/samples-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { GalleryImageView, RunView } from '../../src/shared/dashboardProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

const PROMPT = 'a photo of sks dog in a bucket';

let web: WebviewPage;
let page: Page;
let origin: string;

function run(id: string, label: string, gallery: GalleryImageView[]): RunView {
  return {
    id,
    label,
    loaded: true,
    status: { outcome: 'running', phase: 'training' },
    series: {},
    gallery,
    checkpoints: [],
    markers: [],
    gpu: [],
    validationPrompt: PROMPT,
  };
}

/** `n` validations of `per` images (256 px), every 100 steps, and one final test image. */
function gallery(n: number, per: number, file = (e: number, i: number) => `img${(e * per + i) % 6}.png`, size = 256): GalleryImageView[] {
  const out: GalleryImageView[] = [];
  for (let e = 0; e < n; e++) {
    for (let i = 0; i < per; i++)
      out.push({ epoch: e, index: i, step: (e + 1) * 100, uri: `${origin}/${file(e, i)}`, prompt: PROMPT, width: size, height: size });
  }
  out.push({ epoch: 'test', index: 0, step: n * 100, uri: `${origin}/${file(n, 0)}`, prompt: PROMPT, width: size, height: size, clipScore: 31.5 });
  return out;
}

const send = (msg: unknown) => web.send(msg);
const posted = () => web.posted<Record<string, unknown>>();
const heads = () => page.locator('.samples-col-head').allTextContents();
const caption = () => page.locator('#viewer-caption').textContent();
const viewerOpen = () => page.locator('dialog.viewer').evaluate((d) => (d as HTMLDialogElement).open);
/**
 * Escape, then the viewer forgotten in the saved state: the dialog's `close` event is a task of its own, and its save
 * landing in the next test (after that test cleared the state) would bring the old options back.
 */
async function closeViewer(): Promise<void> {
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').samples?.viewer === undefined, undefined, { timeout: 5000 });
}
/** Scale, CSS width of each viewer image, and its stage's size. */
const shown = () =>
  page.locator('.viewer-stage').evaluateAll((stages) =>
    stages.map((s) => {
      const img = s.querySelector('img')!;
      return {
        run: (s as HTMLElement).dataset.run,
        col: (s as HTMLElement).dataset.col,
        scale: Number(img.dataset.scale),
        w: img.getBoundingClientRect().width,
        h: img.getBoundingClientRect().height,
        sw: s.clientWidth,
        sh: s.clientHeight,
      };
    }),
  );
async function setRange(selector: string, value: number, event: 'input' | 'change'): Promise<void> {
  await page.locator(selector).evaluate(
    (el, [v, ev]) => {
      (el as HTMLInputElement).value = String(v);
      el.dispatchEvent(new Event(ev as string, { bubbles: true }));
    },
    [value, event] as const,
  );
}
async function imagesLoaded(selector: string): Promise<void> {
  await page.waitForFunction(
    (sel) => Array.from(document.querySelectorAll(sel)).every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0),
    selector,
  );
}
async function shot(name: string): Promise<void> {
  await screenshot(page, `samples-${name}`);
}

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'samples-', viewport: { width: 1100, height: 860 } });
  ({ page, origin } = web);
  for (let i = 0; i < 6; i++) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="hsl(${i * 60},60%,45%)"/>
      <circle cx="128" cy="128" r="${30 + i * 12}" fill="rgba(255,255,255,0.6)"/><text x="16" y="40" font-size="32" fill="#000">${i}</text></svg>`;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(join(web.dir, `img${i}.png`));
  }
  const small = `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#c84"/><rect x="16" y="16" width="32" height="32" fill="#248"/></svg>`;
  await sharp(Buffer.from(small)).png().toFile(join(web.dir, 'small.png'));
  await web.ready();
});

after(() => web?.close());

test('the grid: a prompt row and the test row, validations newest first with step and epoch, multi-image cells by index', { skip }, async () => {
  await send({ type: 'init', runs: [run('a', 'lora-dog', gallery(7, 2))] });
  await page.locator('vscode-tab-header', { hasText: 'Validation' }).click();
  await page.locator('.samples-col-head').first().waitFor();
  assert.deepEqual(await page.locator('.gallery-row-label').allTextContents(), [PROMPT, 'Final (test)']);
  assert.equal(await page.locator('.gallery-grid').getAttribute('data-columns'), '8');
  const first = await heads();
  assert.equal(first[0], 'Final (test) · step 700');
  assert.equal(first[1], 'Epoch 7 · step 700');
  assert.equal(first[2], 'Epoch 6 · step 600', 'newest first, epochs from 1');
  // A validation of two images: two separate images, each with its index.
  const cell = page.locator('tr[data-row="p:' + PROMPT + '"] .samples-cell[data-col="6"] .thumb');
  assert.equal(await cell.count(), 2);
  assert.deepEqual(await cell.locator('.image-index').allTextContents(), ['#1', '#2']);
  assert.deepEqual(await cell.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.index)), ['0', '1']);
  assert.match((await cell.nth(1).getAttribute('aria-label')) ?? '', /^Open lora-dog, Epoch 7, image 2 of 2, step 700: a photo/);
  // The test image keeps its CLIP score badge.
  assert.equal(await page.locator('.samples-cell[data-col="test"] .clip-score').textContent(), 'CLIP score 31.5');
  // Panel-sized: the shown columns fit the panel; the rest are behind the scrubber.
  const width = await page.locator('.gallery-body').evaluate((b) => b.clientWidth);
  const tableWidth = await page.locator('.gallery-grid').evaluate((t) => t.getBoundingClientRect().width);
  assert.ok(tableWidth <= width + 12, `grid ${tableWidth}px in a ${width}px panel`);
  assert.ok(first.length < 8, `only the columns that fit are built (${first.length})`);
  await imagesLoaded('.gallery-grid img');
  await shot('grid');

  // Oldest first.
  await page.locator('vscode-checkbox[data-option="newestFirst"]').click();
  await page.waitForFunction(() => document.querySelector('.samples-col-head')?.textContent === 'Epoch 1 · step 100');
  assert.deepEqual((await heads()).slice(0, 2), ['Epoch 1 · step 100', 'Epoch 2 · step 200']);
});

test('the scrubber moves the shown validations; the size control sets the thumbnails, never past the image', { skip }, async () => {
  const before = await heads();
  const n = before.length;
  await setRange('.samples-scrubber', 3, 'input');
  await page.waitForFunction(() => document.querySelector('.samples-col-head')?.textContent === 'Epoch 4 · step 400');
  assert.equal((await heads()).length, n);
  assert.equal(await page.locator('.gallery-grid').getAttribute('data-shown'), `3-${3 + n}`);
  await shot('scrubber');
  // A size larger than the 256 px images: the thumbnails stay at 256.
  await setRange('.samples-size', 400, 'change');
  await page.waitForFunction(() => document.querySelector('.samples-size-value')?.textContent === '400 px');
  const w = await page
    .locator('.gallery-grid .thumb img')
    .first()
    .evaluate((i) => i.getBoundingClientRect().width);
  assert.equal(Math.round(w), 256);
  await setRange('.samples-size', 64, 'change');
  await page.waitForFunction(() => document.querySelector('.samples-size-value')?.textContent === '64 px');
  assert.equal(
    Math.round(
      await page
        .locator('.gallery-grid .thumb img')
        .first()
        .evaluate((i) => i.getBoundingClientRect().width),
    ),
    64,
  );
  assert.ok((await heads()).length > n, 'smaller thumbnails: more validations fit');
});

test('the viewer: fit, zoom, 1:1, keys by step and prompt, side by side of two steps, Save posts saveImage', { skip }, async () => {
  await setRange('.samples-scrubber', 0, 'input');
  await page.locator('.samples-cell[data-col="3"] .thumb[data-index="1"]').first().click();
  assert.equal(await viewerOpen(), true);
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 4 · step 400 · image 2 of 2`);
  await imagesLoaded('.viewer-image');
  // Fit: the image fills the stage along one side.
  let [v] = await shown();
  assert.ok(Math.abs(v!.w - (v!.sw - 4)) <= 1 || Math.abs(v!.h - (v!.sh - 4)) <= 1, JSON.stringify(v));
  assert.equal(await page.locator('[data-action="fit"]').getAttribute('aria-pressed'), 'true');
  const fit = v!.scale;
  await shot('viewer-fit');
  await page.locator('[data-action="zoom-in"]').click();
  [v] = await shown();
  assert.ok(Math.abs(v!.scale - fit * 1.25) < 0.01, `zoom in from ${fit}: ${v!.scale}`);
  await page.locator('.viewer-stages').dispatchEvent('wheel', { deltaY: 100 });
  [v] = await shown();
  assert.ok(Math.abs(v!.scale - fit) < 0.01, `the wheel zooms back out: ${v!.scale}`);
  await page.locator('[data-action="actual"]').click();
  [v] = await shown();
  assert.equal(v!.scale, 1);
  assert.equal(Math.round(v!.w), 256, 'actual pixels');
  await shot('viewer-1to1');

  // Keys: ← earlier step, → later step, Shift+← the other image of the validation, ↓ the next prompt (the test images).
  await page.keyboard.press('ArrowLeft');
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 3 · step 300 · image 2 of 2`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 5 · step 500 · image 2 of 2`);
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 5 · step 500 · image 1 of 2`);
  await page.keyboard.press('ArrowDown');
  assert.equal(await caption(), 'lora-dog · Final (test) · Final (test) · step 700 · image 1 · CLIP score 31.5');
  await page.keyboard.press('ArrowUp');
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 7 · step 700 · image 1 of 2`);

  // Side by side: the same prompt at an earlier step, the earlier on the left.
  await page.locator('select.viewer-compare').selectOption({ label: 'This run, Epoch 2 · step 200' });
  await page.waitForFunction(() => document.querySelectorAll('.viewer-stage').length === 2);
  assert.deepEqual(
    (await shown()).map((s) => s.col),
    ['1', '6'],
  );
  await imagesLoaded('.viewer-image');
  await shot('viewer-two-steps');

  await page.locator('[data-action="save"]').click();
  const last = (await posted()).at(-1);
  assert.deepEqual(last, { type: 'saveImage', runId: 'a', epoch: 6, index: 0 });
});

test('an open viewer and the grid options come back after a reload', { skip }, async () => {
  const state = await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}'));
  assert.deepEqual(state.samples.viewer, { runId: 'a', row: `p:${PROMPT}`, col: '6', index: 0, zoom: 1, compare: { kind: 'step', col: '1' } });
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  // The run's data comes after `init` (a summary first): the viewer waits for it rather than forgetting the image.
  await send({ type: 'init', runs: [{ ...run('a', 'lora-dog', []), loaded: false }] });
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'shownRuns'));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await viewerOpen(), false);
  assert.ok(await page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').samples.viewer), 'the viewer state is kept');
  await send({ type: 'runData', run: run('a', 'lora-dog', gallery(7, 2)) });
  await page.locator('dialog.viewer[open]').waitFor();
  assert.equal(await caption(), `lora-dog · ${PROMPT} · Epoch 7 · step 700 · image 1 of 2`);
  assert.equal((await shown()).length, 2);
  await page.keyboard.press('Escape');
  assert.equal(await viewerOpen(), false);
  // The dialog's `close` event, which forgets the viewer, is dispatched as a task of its own after Escape.
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').samples.viewer === undefined, undefined, { timeout: 5000 });
  // Oldest first and 64 px, as left.
  assert.equal((await heads())[0], 'Epoch 1 · step 100');
  assert.equal(await page.locator('.samples-size-value').textContent(), '64 px');
});

test('a 64 px image: the thumbnail is not upscaled, and the viewer never shows it smaller than the thumbnail', { skip }, async () => {
  await send({
    type: 'init',
    runs: [
      run(
        's',
        'tiny',
        gallery(2, 1, () => 'small.png', 64),
      ),
    ],
  });
  await page.locator('tr[data-row^="p:"] .thumb').first().waitFor();
  await imagesLoaded('.gallery-grid img');
  // A new width (a scroll bar coming or going) lays the grid out again with new images: measure a loaded one.
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('.gallery-grid .thumb img');
    return img !== null && img.complete && img.getBoundingClientRect().width > 0;
  });
  const thumbW = await page
    .locator('.gallery-grid .thumb img')
    .first()
    .evaluate((i) => i.getBoundingClientRect().width);
  assert.equal(Math.round(thumbW), 64, 'never upscaled past the image');
  await page.locator('.gallery-grid .thumb').first().click();
  await imagesLoaded('.viewer-image');
  let [v] = await shown();
  assert.ok(v!.scale > 1 && v!.w > 64, `fit enlarges a small image to the window: ${JSON.stringify(v)}`);
  for (let i = 0; i < 20; i++) await page.keyboard.press('-');
  [v] = await shown();
  assert.ok(v!.w >= thumbW - 0.5, `zoomed out to ${v!.w}px, thumbnail ${thumbW}px`);
  await shot('viewer-small');
  await closeViewer();
});

test('side by side of two selected runs at the same step', { skip }, async () => {
  const other = gallery(3, 1).map((g) => ({ ...g, uri: g.uri.replace(/img\d/, 'img5') }));
  await send({ type: 'init', runs: [run('a', 'lora-dog', gallery(3, 1)), run('b', 'lora-dog-lr2', other)] });
  await send({ type: 'select', runIds: ['a', 'b'] });
  await page.locator('.samples-cell[data-col="1"] .thumb').first().click();
  await page.locator('select.viewer-compare').selectOption({ label: 'lora-dog-lr2, Epoch 2 · step 200' });
  await page.waitForFunction(() => document.querySelectorAll('.viewer-stage').length === 2);
  const panes = await shown();
  assert.deepEqual(
    panes.map((p) => [p.run, p.col]),
    [
      ['a', '1'],
      ['b', '1'],
    ],
  );
  await imagesLoaded('.viewer-image');
  await shot('viewer-two-runs');
  await closeViewer();
  assert.deepEqual(web.pageErrors, []);
});

test('a large run (300 validations × 4 images): only the shown columns are built, and a delta without images rebuilds nothing', { skip }, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  await send({ type: 'init', runs: [run('big', 'long-run', gallery(300, 4))] });
  await page.locator('vscode-tab-header', { hasText: 'Validation' }).click();
  await page.locator('.gallery-grid[data-columns="301"]').waitFor();
  const imgs = await page.locator('.gallery-grid img').count();
  const cols = (await heads()).length;
  assert.ok(cols < 20 && imgs <= cols * 4, `${cols} columns, ${imgs} images built`);
  await page.locator('.gallery-grid').evaluate((t) => ((t as unknown as { __mark: boolean }).__mark = true));
  await send({ type: 'delta', runId: 'big', status: { outcome: 'running', phase: 'training', step: 30_001 } });
  await page
    .locator('.status-grid', { hasText: '30001' })
    .or(page.locator('.status-grid', { hasText: '30,001' }))
    .waitFor();
  assert.equal(await page.locator('.gallery-grid').evaluate((t) => (t as unknown as { __mark?: boolean }).__mark), true, 'the grid was not rebuilt');
  // A new validation does rebuild it, with the new column first.
  await send({ type: 'delta', runId: 'big', gallery: [{ epoch: 300, index: 0, step: 30_100, uri: `${origin}/img0.png`, prompt: PROMPT }] });
  await page.locator('.gallery-grid[data-columns="302"]').waitFor();
  assert.equal((await heads())[0], 'Final (test) · step 30000');
});

test('after the viewer is used and closed, the other views still update (GPU read-out)', { skip }, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  const gpu = (t: number) => ({ t, index: 0, utilizationPct: 90, memoryUsedMiB: 9000, memoryTotalMiB: 24000, temperatureC: 60 });
  await send({ type: 'init', runs: [{ ...run('g', 'gpu-run', gallery(3, 2)), gpu: [gpu(1000), gpu(2000)] }] });
  await page.locator('vscode-tab-header', { hasText: 'Validation' }).click();
  await page.locator('.gallery-grid .thumb').first().click();
  await page.locator('dialog.viewer').press('ArrowLeft');
  await page.locator('dialog.viewer').press('Escape');
  await page.locator('dialog.viewer[open]').waitFor({ state: 'detached' });
  await send({ type: 'delta', runId: 'g', gpu: [gpu(3000)] });
  await page.locator('vscode-tab-header', { hasText: 'GPU' }).click();
  await page.locator('#chart-gpu-readout', { hasText: /^latest: / }).waitFor();
  assert.deepEqual(web.pageErrors, []);
});
