// Loads the real Preview Dataset bundle in Chromium under the production CSP, with a fake acquireVsCodeApi, and plays
// the host's part of the protocol: the ready handshake, pages on request, thumbnails, the training crop, a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { DatasetHostMessage, DatasetImageView, DatasetOverview, DatasetWebviewMessage } from '../../src/shared/datasetProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

let web: WebviewPage;
let page: Page;
let origin: string;

const TOTAL = 10_000;
const TARGET = '/w/demo.sdxl.json';

const overview: DatasetOverview = {
  title: 'demo.sdxl.json',
  target: TARGET,
  resolution: 1024,
  centerCrop: false,
  randomFlip: true,
  images: TOTAL,
  errors: 1,
  warnings: 2,
  infos: 0,
  cancelled: false,
  resolutionHistogram: { labels: ['<512', '512–1023', '≥1024'], counts: [3, 9000, 997] },
  aspectHistogram: { labels: ['1:1', '3:2', '2:3'], counts: [6000, 3000, 1000] },
  codeCounts: [
    { code: 'too-small', count: 2 },
    { code: 'corrupt-image', count: 1 },
  ],
  otherFindings: [{ code: 'metadata-bad-line', severity: 'error', message: 'line 4 is not JSON', line: 4, file: 'metadata.jsonl' }],
  otherFindingsLeftOut: 0,
};

function item(index: number): DatasetImageView {
  if (index === 1)
    return {
      index,
      name: 'broken.png',
      role: 'train',
      caption: 'a broken file',
      findings: [{ code: 'corrupt-image', severity: 'error', message: 'cannot decode: truncated' }],
    };
  return {
    index,
    name: `img${index}.png`,
    role: 'train',
    caption: index === 2 ? null : `a photo number ${index}`,
    width: 768,
    height: 512,
    format: 'png',
    findings: [],
  };
}

const send = (msg: DatasetHostMessage) => web.send(msg);
const posted = () => web.posted<DatasetWebviewMessage>();
async function nextPosted<T extends DatasetWebviewMessage['type']>(type: T, from: number): Promise<Extract<DatasetWebviewMessage, { type: T }>> {
  await page.waitForFunction(([t, n]) => (window as unknown as { __posted: { type: string }[] }).__posted.slice(n as number).some((m) => m.type === t), [
    type,
    from,
  ] as const);
  return (await posted()).slice(from).find((m) => m.type === type) as Extract<DatasetWebviewMessage, { type: T }>;
}
/** Answers the last requestPage the way the host does (the unfiltered list; the filter's own tests are on the model). */
async function answerPage(from: number): Promise<Extract<DatasetWebviewMessage, { type: 'requestPage' }>> {
  const req = await nextPosted('requestPage', from);
  const items = Array.from({ length: Math.min(req.limit, TOTAL - req.offset) }, (_, i) => item(req.offset + i));
  await send({ type: 'page', requestId: req.requestId, offset: req.offset, total: TOTAL, items });
  return req;
}

before(async () => {
  if (skip) return;
  web = await openWebviewPage({
    entry: 'webview/src/datasetPreview/main.ts',
    bundle: 'datasetPreview',
    tempPrefix: 'dataset-preview-',
    viewport: { width: 1200, height: 900 },
    rootLabel: 'Dataset preview',
  });
  ({ page, origin } = web);
  await sharp({ create: { width: 384, height: 256, channels: 3, background: { r: 60, g: 140, b: 200 } } })
    .png()
    .toFile(join(web.dir, 'thumb.png'));
});

after(() => web?.close());

test('says ready first, shows the check progress, then asks for the first page only', { skip }, async () => {
  await web.ready();
  assert.deepEqual((await posted())[0], { type: 'ready', protocol: 1 });
  await send({ type: 'progress', title: 'demo', target: TARGET, done: 40, total: 10_000 });
  await page.waitForSelector('text=Checking images: 40 of 10000');
  const n = (await posted()).length;
  await send({ type: 'init', overview });
  const req = await answerPage(n);
  assert.deepEqual({ offset: req.offset, limit: req.limit, filter: req.filter }, { offset: 0, limit: 60, filter: { problemsOnly: false } });
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 60);
  assert.equal(await page.textContent('.pager .range'), '1–60 of 10000');
  assert.match((await page.textContent('.counts'))!, /10,000 images; 1 error, 2 warnings/);
  assert.match((await page.textContent('.other-findings'))!, /metadata\.jsonl:4: line 4 is not JSON/);
});

test('the corrupt image is flagged, thumbnails arrive later, one that cannot be read says so', { skip }, async () => {
  const broken = page.locator('.card[data-index="1"]');
  assert.match((await broken.getAttribute('class'))!, /flagged error/);
  assert.equal(await broken.getAttribute('data-codes'), 'corrupt-image');
  await send({
    type: 'thumbs',
    thumbs: [
      { index: 0, uri: `${origin}/thumb.png` },
      { index: 1, error: 'Input buffer contains unsupported image format' },
    ],
  });
  await page.waitForFunction(() => (document.querySelector('.card[data-index="0"] img') as HTMLImageElement | null)?.complete);
  assert.equal(await page.textContent('.card[data-index="1"] .thumb'), 'cannot read');
  assert.equal(await page.textContent('.card[data-index="2"] .caption'), 'no caption');
});

test('Next asks for the next page; "Problems only" and a code ask from the start with the filter', { skip }, async () => {
  let n = (await posted()).length;
  await page.locator('.pager .next').click();
  assert.equal((await answerPage(n)).offset, 60);
  await page.waitForFunction(() => document.querySelector('.pager .range')?.textContent === '61–120 of 10000');
  n = (await posted()).length;
  await page.locator('vscode-checkbox.problems-only').click();
  const req = await nextPosted('requestPage', n);
  assert.deepEqual({ offset: req.offset, filter: req.filter }, { offset: 0, filter: { problemsOnly: true } });
  await send({ type: 'page', requestId: req.requestId, offset: 0, total: 1, items: [item(1)] });
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
  // An answer to an older request that comes late is dropped.
  await send({ type: 'page', requestId: req.requestId - 1, offset: 0, total: TOTAL, items: [item(0), item(1), item(2)] });
  await send({ type: 'thumbs', thumbs: [] });
  assert.equal(await page.locator('.card').count(), 1);
});

test(
  'a selected image shows its findings and the training crop: box, original_size, crops_coords_top_left; Redraw asks for the next draw',
  { skip },
  async () => {
    let n = (await posted()).length;
    const lastRequest = (await posted()).filter((m) => m.type === 'requestPage').at(-1) as Extract<DatasetWebviewMessage, { type: 'requestPage' }>;
    await send({ type: 'page', requestId: lastRequest.requestId, offset: 0, total: 1, items: [item(0)] });
    await page.waitForSelector('.card[data-index="0"]');
    await page.locator('.card[data-index="0"]').click();
    assert.deepEqual(await nextPosted('selectImage', n), { type: 'selectImage', index: 0, draw: 0 });
    // 768×512 at resolution 1024: resized to 1536×1024, a random crop at left 300, flipped.
    const crop = {
      resizedWidth: 1536,
      resizedHeight: 1024,
      left: 300,
      top: 0,
      size: 1024,
      flipped: true,
      originalSize: [512, 768] as [number, number],
      cropsCoordsTopLeft: [0, 300] as [number, number],
      keptFraction: 1024 / 1536,
    };
    await send({ type: 'crop', index: 0, draw: 0, crop, imageUri: `${origin}/thumb.png` });
    await page.waitForSelector('.crop-box');
    assert.equal(await page.textContent('.original-size'), '(512, 768)');
    assert.equal(await page.textContent('.crops-coords'), '(0, 300)');
    const box = await page
      .locator('.crop-box')
      .evaluate((el) => ({ left: (el as HTMLElement).style.left, width: (el as HTMLElement).style.width, height: (el as HTMLElement).style.height }));
    assert.equal(parseFloat(box.left).toFixed(3), ((100 * 300) / 1536).toFixed(3));
    assert.equal(parseFloat(box.width).toFixed(3), ((100 * 1024) / 1536).toFixed(3));
    assert.equal(box.height, '100%');
    assert.equal(await page.locator('.crop-frame img.flipped').count(), 1);
    n = (await posted()).length;
    await page.locator('vscode-button.redraw').click();
    assert.deepEqual(await nextPosted('selectImage', n), { type: 'selectImage', index: 0, draw: 1 });
    // The old draw's answer arriving after the click does not replace the new one's.
    await send({ type: 'crop', index: 0, draw: 0, crop: { ...crop, left: 7, cropsCoordsTopLeft: [0, 7] } });
    await send({ type: 'crop', index: 0, draw: 1, crop: { ...crop, left: 12, flipped: false, cropsCoordsTopLeft: [0, 12] }, imageUri: `${origin}/thumb.png` });
    await page.waitForFunction(() => document.querySelector('.crops-coords')?.textContent === '(0, 12)');
    n = (await posted()).length;
    await page.locator('vscode-button.open-image').click();
    assert.deepEqual(await nextPosted('openImage', n), { type: 'openImage', index: 0 });
  },
);

test('malformed host messages are ignored without error', { skip }, async () => {
  const before = await page.locator('.card').count();
  for (const m of [
    null,
    'x',
    { type: 'page' },
    { type: 'thumbs', thumbs: [{ index: -1 }] },
    { type: 'crop', index: 0, draw: 1, crop: { size: 0 } },
    { type: 'nope' },
  ]) {
    await page.evaluate((x) => window.postMessage(x, '*'), m);
  }
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  assert.equal(await page.locator('.card').count(), before);
  assert.equal(await page.textContent('.crops-coords'), '(0, 12)');
  assert.deepEqual(web.pageErrors, []);
});

test('after a reload the filter, page and selection come back from getState', { skip }, async () => {
  await page.reload();
  await web.ready();
  await send({ type: 'init', overview });
  const req = await nextPosted('requestPage', 0);
  assert.deepEqual(req.filter, { problemsOnly: true });
  assert.deepEqual(await nextPosted('selectImage', 0), { type: 'selectImage', index: 0, draw: 1 });
  // The selected image is on no page shown (the filter hides it): the answer names it, and the detail shows it.
  await send({ type: 'crop', index: 0, draw: 1, image: item(0), error: 'no preview of the image: gone' });
  await page.waitForFunction(() => document.querySelector('.detail h3')?.textContent === 'img0.png');
  assert.equal(await page.locator('vscode-checkbox.problems-only').evaluate((b) => (b as unknown as { checked: boolean }).checked), true);
  // Another dataset starts from its first page with nothing selected.
  await page.reload();
  await web.ready();
  await send({ type: 'init', overview: { ...overview, target: '/w/other' } });
  const other = await nextPosted('requestPage', 0);
  assert.equal(other.offset, 0);
  assert.equal((await posted()).filter((m) => m.type === 'selectImage').length, 0);
});

test('a check that could not run says why and offers to check again', { skip }, async () => {
  await send({ type: 'failed', message: 'sample.sdxl.json: args.train_data_dir (or args.dataset_name) is not set' });
  await page.waitForSelector('.banner-error >> text=args.train_data_dir');
  const n = (await posted()).length;
  await page.locator('.banner-error vscode-button.recheck').click();
  assert.deepEqual(await nextPosted('recheck', n), { type: 'recheck' });
});

test('the target is saved from the first progress message, so a reload during the check brings the panel back', { skip }, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await web.ready();
  await send({ type: 'progress', title: 'd', target: '/w/during.sdxl.json', done: 0, total: 0 });
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').target === '/w/during.sdxl.json');
});

test('screenshot of the gallery with a selected image, no CSP violations', { skip }, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await web.ready();
  await send({ type: 'init', overview });
  await answerPage(0);
  await send({
    type: 'thumbs',
    thumbs: [...Array.from({ length: 12 }, (_, i) => ({ index: i, uri: `${origin}/thumb.png` })).filter((t) => t.index !== 1), { index: 1, error: 'corrupt' }],
  });
  const n = (await posted()).length;
  await page.locator('.card[data-index="1"]').click();
  await nextPosted('selectImage', n);
  await send({ type: 'crop', index: 1, draw: 0, error: 'the image could not be read, so the script could not crop it either' });
  await page.waitForSelector('.crop-error');
  await screenshot(page, 'webview-dataset-preview');
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
  assert.deepEqual(web.pageErrors, []);
});
