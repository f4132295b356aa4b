// Loads the real dashboard bundle in Chromium under the production CSP, with a fake acquireVsCodeApi, and drives it
// with host messages the way the extension does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { STEP_CHARTS, type HostMessage, type RunView } from '../../src/shared/dashboardProtocol';
import { openWebviewPage, screenshot, skipWithoutChromium as skip, type WebviewPage } from '../webviewPage';

let web: WebviewPage;
let page: Page;
let origin: string;

// The inline script the CSP test injects on purpose; Chromium's console error about it names its hash.
const INJECTED = 'window.__ran = true';
const INJECTED_HASH = createHash('sha256').update(INJECTED).digest('base64');
const unexpectedErrors = () => web.pageErrors.filter((e) => !e.includes(INJECTED_HASH));

function run(id: string, label: string, extra: Partial<RunView> = {}): RunView {
  return {
    id,
    label,
    loaded: true,
    status: { outcome: 'running', phase: 'training' },
    series: {},
    gallery: [],
    checkpoints: [],
    markers: [],
    gpu: [],
    ...extra,
  };
}

function noisyLoss(from: number, n: number, seed = 1): [number, number][] {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, (_, i) => {
    const step = from + i;
    return [step, 0.05 + 0.12 * Math.exp(-step / 400) + (rnd() - 0.5) * 0.06] as [number, number];
  });
}

const send = (msg: unknown) => web.send(msg);

const points = () => page.getAttribute('section[data-chart="loss"]', 'data-points').then(Number);
const posted = () => web.posted<{ type: string }>();

before(async () => {
  if (skip) return;
  web = await openWebviewPage({ entry: 'webview/src/main.ts', bundle: 'dashboard', tempPrefix: 'dashboard-', viewport: { width: 1100, height: 900 } });
  ({ page, origin } = web);
  const hues = [
    [200, 90, 60],
    [60, 140, 200],
    [220, 180, 60],
    [120, 70, 170],
    [70, 160, 110],
    [200, 120, 150],
  ];
  for (let i = 0; i < hues.length; i++) {
    const [r, g, b] = hues[i]!;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><defs><linearGradient id="g" x2="1" y2="1">
      <stop offset="0" stop-color="rgb(${r},${g},${b})"/><stop offset="1" stop-color="rgb(${b},${r},${g})"/></linearGradient></defs>
      <rect width="256" height="256" fill="url(#g)"/><circle cx="128" cy="118" r="${40 + i * 8}" fill="rgba(255,255,255,0.55)"/></svg>`;
    await sharp(Buffer.from(svg))
      .png()
      .toFile(join(web.dir, `img${i}.png`));
  }
});

after(() => web?.close());

test('posts ready before anything else', { skip }, async () => {
  await web.ready();
  const msgs = await posted();
  assert.equal(msgs[0]!.type, 'ready');
});

test('the Training tab has one chart per STEP_CHARTS entry, in its order, with its title', { skip }, async () => {
  const shown = await page.evaluate(() =>
    Array.from(document.querySelectorAll('section[data-chart]'))
      .map((el) => ({ id: el.getAttribute('data-chart'), text: el.textContent ?? '' }))
      .filter((c) => c.id !== 'gpu'),
  );
  assert.deepEqual(
    shown.map((c) => c.id),
    STEP_CHARTS.map((c) => c.id),
  );
  STEP_CHARTS.forEach((c, i) => assert.ok(shown[i]!.text.includes(c.title), `${c.id}: ${shown[i]!.text.slice(0, 80)}`));
});

test('the loss chart plots more points after a delta', { skip }, async () => {
  const init: HostMessage = {
    type: 'init',
    runs: [run('a', 'lora-dog', { series: { train_loss: noisyLoss(0, 50), step_loss: noisyLoss(0, 50, 7), lr: noisyLoss(0, 50).map(([s]) => [s, 1e-4]) } })],
  };
  await send(init);
  await page.waitForFunction(() => Number(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-points')) > 0);
  const before = await points();
  await send({ type: 'delta', runId: 'a', appendSeries: { train_loss: noisyLoss(50, 60), step_loss: noisyLoss(50, 60, 9) } });
  await page.waitForFunction((n) => Number(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-points')) > n, before);
  assert.ok((await points()) > before);
});

test('a one-step spike survives downsampling of 1,000,000 points', { skip }, async () => {
  await page.evaluate(() => {
    const pts: [number, number][] = [];
    for (let i = 0; i < 1_000_000; i++) pts.push([i, 1 + Math.sin(i / 5000) * 0.2]);
    pts[654_321]![1] = 100;
    const runView = {
      id: 'big',
      label: 'big',
      loaded: true,
      status: { outcome: 'running' },
      series: { train_loss: pts },
      gallery: [],
      checkpoints: [],
      markers: [],
      gpu: [],
    };
    window.postMessage({ type: 'init', runs: [runView] }, '*');
  });
  await page.waitForFunction(() => document.querySelector('section[data-chart="loss"]')?.getAttribute('data-plotted-max') === '100', undefined, {
    timeout: 20000,
  });
  const n = await points();
  assert.ok(n > 0 && n < 10_000, `plotted ${n} points: expected a downsampled series`);
});

// Before the gallery test: the tests after that one work on its run `a`.
test('a run on the CPU: the GPU tab says so rather than waiting for samples; epochs read from 1 in the header and the gallery', { skip }, async () => {
  await send({
    type: 'init',
    runs: [
      run('cpu', 'tiny-cpu', {
        status: { outcome: 'running', phase: 'training', step: 6, totalSteps: 6, epoch: 1, totalEpochs: 2, device: 'cpu' },
        gallery: [{ epoch: 0, index: 0, uri: `${origin}/img0.png` }],
      }),
    ],
  });
  await page.locator('.status-grid', { hasText: '2 / 2' }).waitFor();
  await page.locator('vscode-tab-header').nth(2).click();
  await page.locator('section[data-chart="gpu"] p.empty', { hasText: 'Training on CPU' }).waitFor();
  await page.locator('vscode-tab-header').nth(1).click();
  await page.locator('.samples-col-head', { hasText: 'Epoch 1' }).waitFor();
  assert.equal(await page.locator('.samples-col-head', { hasText: 'Epoch 0' }).count(), 0);
});

test('the gallery shows images after a validation delta, and enlarges one', { skip }, async () => {
  await send({ type: 'init', runs: [run('a', 'lora-dog', { series: { train_loss: noisyLoss(0, 200) } })] });
  await page.locator('vscode-tab-header').nth(1).click();
  const gallery = [0, 1].flatMap((epoch) =>
    [0, 1, 2].map((index) => ({
      epoch,
      index,
      step: epoch * 100 + 100,
      uri: `${origin}/img${epoch * 3 + index}.png`,
      prompt: 'a photo of sks dog in a bucket',
    })),
  );
  await send({ type: 'delta', runId: 'a', gallery, markers: [{ step: 100, kind: 'validation' }] });
  await page.waitForFunction(
    () =>
      Array.from(document.querySelectorAll('.gallery img')).filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)
        .length === 6,
  );
  assert.equal(await page.locator('.samples-col-head').count(), 2, 'a column per validation');
  await page.locator('.thumb').first().click();
  assert.equal(await page.locator('dialog.image-dialog').evaluate((d) => (d as HTMLDialogElement).open), true);
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('dialog.image-dialog').evaluate((d) => (d as HTMLDialogElement).open), false);
});

test('CLIP scores: each scored image shows its score, and the CLIP score chart draws the means beside the loss', { skip }, async () => {
  const gallery = [0, 1].map((index) => ({
    epoch: 1,
    index,
    uri: `${origin}/img${3 + index}.png`,
    prompt: 'a photo of sks dog in a bucket',
    ...(index === 0 ? { clipScore: 27.25 } : {}),
  }));
  await send({
    type: 'delta',
    runId: 'a',
    gallery,
    appendSeries: {
      clip_score: [
        [100, 25.5],
        [200, 27.25],
      ],
    },
  });
  const badge = page.locator('.thumb[data-epoch="1"] .clip-score');
  await badge.first().waitFor();
  assert.equal(await badge.count(), 1, 'only the scored image has a score');
  assert.equal(await badge.first().textContent(), 'CLIP score 27.3');
  assert.match((await page.locator('.thumb[data-epoch="1"]').first().getAttribute('aria-label')) ?? '', /\(CLIP score 27\.3\)/);
  await page.locator('vscode-tab-header').nth(0).click();
  const chart = page.locator('section.chart[data-chart="clip"]');
  assert.equal(await chart.locator('h3').textContent(), 'CLIP score');
  await chart.locator('.plot canvas').first().waitFor();
  assert.equal(await chart.locator('.plot').isHidden(), false);
  await page.locator('vscode-tab-header').nth(1).click();
});

test('the failure banner asks the host to open the console at the failing line', { skip }, async () => {
  await send({
    type: 'delta',
    runId: 'a',
    status: { outcome: 'failed' },
    failure: {
      class: 'cuda_oom',
      message: 'CUDA out of memory at step 212.',
      remedy: 'Lower train_batch_size or enable gradient checkpointing.',
      consoleLine: 4242,
    },
  });
  const button = page.locator('.banner-error vscode-button');
  await button.waitFor();
  await button.click();
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'openConsoleAt'));
  const msg = (await posted()).find((m) => m.type === 'openConsoleAt') as unknown as { runId: string; line: number };
  assert.deepEqual(msg, { type: 'openConsoleAt', runId: 'a', line: 4242 });
});

test('the failure banner has the human title, and its fix button asks the host to apply the fix to run a', { skip }, async () => {
  await send({
    type: 'delta',
    runId: 'a',
    status: { outcome: 'failed' },
    failure: {
      class: 'cuda_oom',
      title: 'Out of GPU memory',
      message: 'CUDA out of memory.',
      remedy: 'Enable gradient checkpointing.',
      consoleLine: 7,
      fixTitle: 'Enable gradient checkpointing',
    },
  });
  const title = page.locator('.banner-error .banner-title');
  await title.filter({ hasText: 'Out of GPU memory' }).waitFor();
  assert.equal(await title.textContent(), 'Training failed: Out of GPU memory');
  const fix = page.locator('.banner-error vscode-button[data-action="apply-fix"]');
  assert.equal(await fix.textContent(), 'Apply fix: Enable gradient checkpointing');
  await fix.click();
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'applyFix'));
  assert.deepEqual(
    (await posted()).filter((m) => m.type === 'applyFix'),
    [{ type: 'applyFix', runId: 'a' }],
  );
  // A failure without a fix has no such button.
  await send({ type: 'delta', runId: 'a', failure: { class: 'other', title: 'Training error', message: 'ValueError: odd', remedy: 'Read the traceback.' } });
  await title.filter({ hasText: 'Training error' }).waitFor();
  assert.equal(await fix.count(), 0);
});

test("the extension's notes on a run show folded under the banners, and a later list replaces them", { skip }, async () => {
  await send({ type: 'delta', runId: 'a', notices: ['cannot write run record /r/exit.json: the disk is full (ENOSPC)'] });
  const notes = page.locator('details.banner-notes');
  await notes.waitFor();
  assert.equal(await notes.locator('summary').textContent(), '1 note from the extension about this run');
  await notes.locator('summary').click();
  assert.equal(await notes.locator('li').first().textContent(), 'cannot write run record /r/exit.json: the disk is full (ENOSPC)');
  // Other deltas leave the opened notes open (the banners are not rebuilt for a step).
  await send({ type: 'delta', runId: 'a', status: { outcome: 'running', phase: 'training', step: 1501, etaSeconds: 600 } });
  await page.locator('[data-field="step"]', { hasText: '1501' }).waitFor();
  // A stall shows on the State, as a warning, and goes when the run moves again.
  await send({ type: 'delta', runId: 'a', status: { outcome: 'running', phase: 'training', step: 1501, stalledSeconds: 905 } });
  await page.locator('dd.stalled[data-field="state"]', { hasText: 'stalled, no step for 15m 05s' }).waitFor();
  await send({ type: 'delta', runId: 'a', status: { outcome: 'running', phase: 'training', step: 1502 } });
  await page.locator('[data-field="step"]', { hasText: '1502' }).waitFor();
  assert.equal(await page.locator('dd.stalled').count(), 0);
  assert.equal(await notes.evaluate((d) => (d as HTMLDetailsElement).open), true);
  await send({ type: 'delta', runId: 'a', notices: ['a', 'b'] });
  await page.locator('details.banner-notes[data-notices="2"]').waitFor();
  assert.deepEqual(await page.locator('details.banner-notes li').allTextContents(), ['a', 'b']);
});

test('malformed messages are ignored without error', { skip }, async () => {
  await page.locator('vscode-tab-header').nth(0).click();
  // What the chart holds of run a's train_loss (its step count and last step), not a point count read while the tab
  // may still be redrawing: the valid delta after the bad ones must add exactly its one step, 500.
  const held = () =>
    page.evaluate(
      () =>
        (JSON.parse(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-series') ?? '{}') as Record<string, { n: number; last: number }>)
          .train_loss,
    );
  await page.waitForFunction(
    () =>
      (JSON.parse(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-series') ?? '{}') as Record<string, { n: number }>).train_loss?.n ===
      200,
  );
  const warned = web.warnings.length;
  for (const bad of [
    null,
    'init',
    { type: 'bogus' },
    { type: 'delta', runId: 5 },
    { type: 'delta', runId: 'a', appendSeries: { train_loss: [[1, 'x']] } },
    { type: 'init', runs: [{ id: 'x' }] },
  ]) {
    await send(bad);
  }
  await send({ type: 'delta', runId: 'a', appendSeries: { train_loss: [[500, 0.1]] } });
  await page.waitForFunction(
    () =>
      (JSON.parse(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-series') ?? '{}') as Record<string, { last: number }>).train_loss
        ?.last === 500,
  );
  assert.deepEqual(await held(), { n: 201, first: 0, last: 500 }, 'the bad messages changed nothing; the good one added its step');
  assert.ok(web.warnings.length - warned >= 6, 'each invalid message is reported on the console');
  assert.deepEqual(unexpectedErrors(), []);
});

test('the loss chart zooms by drag and keys, pans, and resets', { skip }, async () => {
  const zoom = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.loss as [number, number] | undefined);
  const over = page.locator('section[data-chart="loss"] .u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.loss !== undefined);
  const z1 = (await zoom())!;
  assert.ok(z1[1] - z1[0] < 400, `zoomed to ${z1}`);
  await page.locator('section[data-chart="loss"] .plot').focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((a) => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.loss?.[0] > a, z1[0]);
  const z2 = (await zoom())!;
  assert.ok(Math.abs(z2[1] - z2[0] - (z1[1] - z1[0])) < 1e-6, 'panning keeps the span');
  await page.keyboard.press('0');
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').zoom?.loss === undefined);
});

// A click on a chart pins its read-out and opening the console is an explicit action: chartOptionsBrowser.test.ts.

test('a checkpoint deleted on disk leaves the checkpoint table; an empty list empties it', { skip }, async () => {
  const ckpt = (step: number, complete = true) => ({ step, path: `out/checkpoint-${step}`, complete, sizeBytes: 2 ** 30 });
  const rows = () =>
    page.evaluate(() =>
      Array.from(document.querySelectorAll('table.checkpoints tbody tr')).map((tr) =>
        Array.from(tr.querySelectorAll('td'))
          .slice(0, 2)
          .map((td) => td.textContent)
          .join(' '),
      ),
    );
  const waitRows = (want: string[]) =>
    page
      .waitForFunction(
        (w) =>
          JSON.stringify(
            Array.from(document.querySelectorAll('table.checkpoints tbody tr')).map((tr) =>
              Array.from(tr.querySelectorAll('td'))
                .slice(0, 2)
                .map((td) => td.textContent)
                .join(' '),
            ),
          ) === JSON.stringify(w),
        want,
      )
      .catch(async (e) => {
        throw new Error(`checkpoint rows ${JSON.stringify(await rows())}, expected ${JSON.stringify(want)}: ${e}`);
      });
  await send({
    type: 'init',
    runs: [run('a', 'lora-dog', { series: { train_loss: noisyLoss(0, 400) }, checkpoints: [ckpt(100), ckpt(200), ckpt(300, false)] })],
  });
  await page.locator('vscode-tab-header').nth(2).click();
  await waitRows(['100 complete', '200 complete', '300 incomplete']);
  // checkpoints_total_limit pruned checkpoint-100 while checkpoint-300 was completed: the list comes whole.
  await send({ type: 'delta', runId: 'a', checkpoints: [ckpt(200), ckpt(300)] });
  await waitRows(['200 complete', '300 complete']);
  await send({ type: 'delta', runId: 'a', checkpoints: [] });
  await page.locator('.checkpoints-panel .empty', { hasText: 'No checkpoints yet.' }).waitFor();
  assert.deepEqual(await rows(), []);
  await page.locator('vscode-tab-header').nth(0).click();
});

test("a chart's latest values are those of the run shown: switching to a run without the series clears them", { skip }, async () => {
  const readout = (chart: string) => page.locator(`#chart-${chart}-readout .readout-item`).allTextContents();
  const lr = (v: number) => noisyLoss(0, 40).map(([s]) => [s, v] as [number, number]);
  await send({
    type: 'init',
    runs: [
      run('a', 'with-lr', { series: { train_loss: noisyLoss(0, 40), lr: lr(0.123) } }),
      run('b', 'other-lr', { series: { train_loss: noisyLoss(0, 40, 3), lr: lr(0.456) } }),
      run('c', 'no-lr', { series: { train_loss: noisyLoss(0, 40, 5) } }),
    ],
    focusRunId: 'a',
  });
  await send({ type: 'select', runIds: ['a'] });
  await page
    .waitForFunction(() => document.querySelector('#chart-lr-readout')?.textContent?.includes('lr: 0.123'), undefined, { timeout: 5000 })
    .catch(async (e) => {
      throw new Error(`${await page.locator('#chart-lr-readout').textContent()} ${await page.locator('.runs-panel').innerHTML()} ${e}`);
    });
  // Another run with the series: only its value.
  await send({ type: 'select', runIds: ['b'] });
  await page.waitForFunction(() => document.querySelector('#chart-lr-readout')?.textContent?.includes('lr: 0.456'));
  assert.equal((await readout('lr')).length, 1, JSON.stringify(await readout('lr')));
  // A run without it: the chart is empty and so is its read-out, while the loss chart shows the new run's value.
  await send({ type: 'select', runIds: ['c'] });
  await page.locator('section[data-chart="lr"] .empty:not([hidden])').waitFor();
  await page.waitForFunction(() => document.querySelector('.runs-panel vscode-checkbox[data-run="c"][checked]'));
  await nextFrames(page);
  assert.deepEqual(await readout('lr'), []);
  assert.deepEqual(await readout('rate'), []);
  assert.equal((await readout('loss')).length, 1, JSON.stringify(await readout('loss')));
});

test('the webview tells the host which runs it shows (the panel is named after them): after init, a select, a click, a reload', { skip }, async () => {
  const shown = () =>
    page.evaluate(() =>
      (window as unknown as { __posted: { type: string; runIds?: string[] }[] }).__posted.filter((m) => m.type === 'shownRuns').map((m) => m.runIds),
    );
  const waitShown = (want: string[]) =>
    page
      .waitForFunction(
        (w) => {
          const all = (window as unknown as { __posted: { type: string; runIds?: string[] }[] }).__posted.filter((m) => m.type === 'shownRuns');
          return JSON.stringify(all.at(-1)?.runIds) === JSON.stringify(w);
        },
        want,
        { timeout: 10_000 },
      )
      .catch(async (e) => {
        throw new Error(`shownRuns ${JSON.stringify(await shown())}, expected last ${JSON.stringify(want)}: ${e}`);
      });
  const runs = [run('a', 'first'), run('b', 'second')];
  await send({ type: 'init', runs, focusRunId: 'a' });
  await waitShown(['a']);
  await send({ type: 'select', runIds: ['b'] });
  await waitShown(['b']);
  await page.locator('.run-item vscode-checkbox[data-run="a"]').click();
  await waitShown(['b', 'a']);
  const before = (await shown()).length;
  await send({ type: 'delta', runId: 'a', status: { outcome: 'running', step: 3 } });
  await nextFrames(page);
  assert.equal((await shown()).length, before, 'reported on a change of the selection only');
  // After a reload the restored selection is reported again, once the host's init has said which runs exist.
  await page.reload();
  await web.ready();
  await send({ type: 'init', runs, focusRunId: 'a' });
  await waitShown(['b', 'a']);
  assert.deepEqual(await shown(), [['b', 'a']]);
});

test('the CSP blocks a script without the nonce', { skip }, async () => {
  const blocked = await page.evaluate(async (INJECTED) => {
    const w = window as unknown as { __csp: string[]; __ran?: boolean };
    const s = document.createElement('script');
    s.textContent = INJECTED;
    document.body.append(s);
    await new Promise((r) => setTimeout(r, 0));
    const found = w.__csp.splice(0);
    return { ran: w.__ran === true, violations: found };
  }, INJECTED);
  assert.equal(blocked.ran, false);
  assert.ok(
    blocked.violations.some((v) => v.startsWith('script-src')),
    JSON.stringify(blocked.violations),
  );
});

test('UI state is restored from getState after a reload', { skip }, async () => {
  await page.locator('vscode-checkbox[data-option="logScale"]').click();
  await page.locator('vscode-tab-header').nth(2).click();
  await page.waitForFunction(() => JSON.parse(sessionStorage.getItem('vscode-state') ?? '{}').tab === 2);
  await page.reload();
  await web.ready();
  assert.equal((await posted())[0]!.type, 'ready');
  assert.equal(await page.locator('vscode-checkbox[data-option="logScale"]').evaluate((b) => (b as unknown as { checked: boolean }).checked), true);
  assert.equal(await page.locator('vscode-tabs').evaluate((t) => (t as unknown as { selectedIndex: number }).selectedIndex), 2);
});

test('screenshot of a realistic dashboard, with no CSP violations', { skip }, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await web.ready();
  const loss = noisyLoss(0, 1500);
  const lr = loss.map(([s]) => [s, s < 100 ? 1e-4 * (s / 100) : 1e-4 * (0.5 + 0.5 * Math.cos((Math.PI * (s - 100)) / 1400))] as [number, number]);
  const rate = loss.map(([s]) => [s, 1.3 + 0.05 * Math.sin(s / 40)] as [number, number]);
  const t0 = Date.UTC(2026, 0, 1, 12);
  const gpu = Array.from({ length: 300 }, (_, i) => ({
    t: t0 + i * 5000,
    index: 0,
    utilizationPct: 92 + (i % 7),
    memoryUsedMiB: 17000 + (i % 13) * 40,
    memoryTotalMiB: 24576,
    temperatureC: 70 + (i % 5),
  }));
  await send({
    type: 'init',
    runs: [
      run('a', 'lora-dog', {
        script: 'lora',
        simulated: true,
        status: {
          outcome: 'running',
          phase: 'training',
          step: 1500,
          totalSteps: 3000,
          epoch: 2,
          totalEpochs: 6,
          secondsPerIt: 1.31,
          imagesPerSec: 3.05,
          etaSeconds: 1965,
        },
        series: { train_loss: loss, step_loss: noisyLoss(0, 1500, 5).map(([s, v]) => [s, v * 1.05] as [number, number]), lr, sec_per_it: rate },
        markers: [
          ...[500, 1000, 1500].map((step) => ({ step, kind: 'checkpoint' as const })),
          ...[250, 750, 1250].map((step) => ({ step, kind: 'validation' as const })),
        ],
        checkpoints: [500, 1000, 1500].map((step) => ({ step, path: `out/checkpoint-${step}`, complete: step < 1500, sizeBytes: 2.1 * 2 ** 30 })),
        gpu,
      }),
      run('b', 'lora-dog-lr2e-4', { script: 'lora', loaded: false, status: { outcome: 'succeeded' } }),
    ],
  });
  await page.waitForFunction(() => Number(document.querySelector('section[data-chart="loss"]')?.getAttribute('data-points')) > 0);
  await page.locator('.run-item vscode-checkbox').nth(1).click();
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'requestRun'));
  await send({
    type: 'runData',
    run: run('b', 'lora-dog-lr2e-4', {
      script: 'lora',
      status: { outcome: 'succeeded' },
      series: { train_loss: noisyLoss(0, 1200, 3).map(([s, v]) => [s, v * 0.9] as [number, number]) },
    }),
  });
  // The run's data is drawn: both runs' loss lines are in the chart and a frame has painted since.
  await page.waitForFunction(() => document.querySelectorAll('.run-item vscode-checkbox[checked]').length === 2);
  await nextFrames(page);
  await screenshot(page, 'webview-dashboard', { fullPage: true });
  await page.locator('vscode-tab-header').nth(2).click();
  await nextFrames(page);
  await screenshot(page, 'webview-dashboard-gpu', { fullPage: true });
  assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
  assert.deepEqual(unexpectedErrors(), []);
});

test('screenshots in light and high-contrast themes and of the gallery', { skip }, async () => {
  const gallery = [0, 1, 2].flatMap((epoch) =>
    [0, 1].map((index) => ({ epoch, index, step: (epoch + 1) * 500, uri: `${origin}/img${epoch * 2 + index}.png`, prompt: 'a photo of sks dog in a bucket' })),
  );
  await send({ type: 'delta', runId: 'a', gallery: [...gallery, { epoch: 'test', index: 0, uri: `${origin}/img5.png` }] });
  await page.locator('vscode-tab-header').nth(1).click();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.gallery img')).filter((i) => (i as HTMLImageElement).naturalWidth > 0).length === 7);
  await screenshot(page, 'webview-dashboard-gallery', { fullPage: true });
  await page.locator('vscode-tab-header').nth(0).click();
  const themes: [string, string, Record<string, string>][] = [
    [
      'light',
      'vscode-light',
      {
        '--vscode-foreground': '#3b3b3b',
        '--vscode-editor-background': '#ffffff',
        '--vscode-descriptionForeground': '#717171',
        '--vscode-charts-blue': '#1a85ff',
        '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#388a34',
        '--vscode-charts-purple': '#652d90',
        '--vscode-inputValidation-warningBackground': '#f6f5d2',
        '--vscode-inputValidation-warningBorder': '#b89500',
        '--vscode-widget-border': '#e5e5e5',
      },
    ],
    [
      'hc',
      'vscode-high-contrast',
      {
        '--vscode-foreground': '#ffffff',
        '--vscode-editor-background': '#000000',
        '--vscode-descriptionForeground': '#ffffff',
        '--vscode-contrastBorder': '#6fc3df',
        '--vscode-charts-blue': '#3794ff',
        '--vscode-charts-orange': '#d18616',
        '--vscode-charts-green': '#89d185',
        '--vscode-inputValidation-warningBackground': '#000000',
        '--vscode-inputValidation-warningBorder': '#ffffff',
        '--vscode-widget-border': '#6fc3df',
      },
    ],
  ];
  for (const [name, cls, vars] of themes) {
    const before = await page.locator('section[data-chart="loss"] canvas').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    await page.evaluate(
      ([c, v]) => {
        for (const [k, val] of Object.entries(v as Record<string, string>)) document.documentElement.style.setProperty(k, val);
        document.body.className = c as string;
      },
      [cls, vars] as const,
    );
    // The charts are canvas: they must be redrawn with the new colours.
    await page.waitForFunction(
      (b) =>
        document.querySelector('section[data-chart="loss"] canvas') &&
        (document.querySelector('section[data-chart="loss"] canvas') as HTMLCanvasElement).toDataURL() !== b,
      before,
    );
    await screenshot(page, `webview-dashboard-${name}`, { fullPage: true });
  }
  assert.deepEqual(unexpectedErrors(), []);
});

/** Resolves after two animation frames: whatever was scheduled has been drawn and painted. */
function nextFrames(page: import('playwright-core').Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

test('a Slurm run: the header says the job is pending with its reason, then running on its node; a local run has no Slurm line', { skip }, async () => {
  const slurm = { jobId: '42', state: 'PENDING', text: 'pending (Resources)', pending: true, reason: 'Resources' };
  const submitted = Date.now() - 120_000;
  await send({ type: 'init', runs: [run('s', 'on-slurm', { status: { outcome: 'running', slurm, startedAt: submitted } })] });
  await page.locator('dd[data-field="slurm"]', { hasText: '42 · pending (Resources)' }).waitFor();
  await page.locator('dd[data-field="state"]', { hasText: 'pending in Slurm' }).waitFor();
  // Not started yet: no start time, no clock counting the wait in the queue (QA: it counted from the submit).
  assert.equal((await page.locator('dd[data-field="started"]').textContent())?.trim(), '–');
  assert.equal((await page.locator('dd[data-field="elapsed"]').textContent())?.trim(), '–');
  await send({
    type: 'delta',
    runId: 's',
    status: {
      outcome: 'running',
      phase: 'training',
      step: 3,
      totalSteps: 10,
      slurm: { jobId: '42', state: 'RUNNING', text: 'running on node01', pending: false, nodes: 'node01' },
    },
  });
  await page.locator('dd[data-field="slurm"]', { hasText: '42 · running on node01' }).waitFor();
  await page.locator('dd[data-field="state"]', { hasText: 'running (training)' }).waitFor();
  // Once ended the job stays named (its id is what sacct or the cluster's admins ask for).
  const completed = { jobId: '42', state: 'COMPLETED', text: 'completed', pending: false, nodes: 'node01' };
  await send({ type: 'delta', runId: 's', status: { outcome: 'succeeded', step: 10, totalSteps: 10, slurm: completed } });
  await page.locator('dd[data-field="state"]', { hasText: 'succeeded' }).waitFor();
  await page.locator('dd[data-field="slurm"]', { hasText: '42 · completed' }).waitFor();
  await send({ type: 'init', runs: [run('l', 'local', { status: { outcome: 'running' } })] });
  await page.locator('dd[data-field="state"]', { hasText: 'running' }).waitFor();
  assert.equal(await page.locator('dd[data-field="slurm"]').count(), 0, 'a local run has no Slurm line');
});
