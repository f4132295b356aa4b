// The run dashboard end to end (issue 4): a stand-in run started from the Configs view appears in Runs, its dashboard's
// loss chart plots more steps while it runs, a validation epoch adds images to the gallery, and the panel survives
// "Reload Window" with every step. Screenshots in dark and light themes go to test-results/ (dashboard-dark.png,
// dashboard-light.png, runs-view.png), and, with SDXL_UPDATE_SCREENSHOT=1, the dark one with the Runs view beside it
// to docs/images/screenshot.png (the README's).
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, RESULTS_DIR, withVsCode, type VsCode } from './harness.js';
import { StepClock, until } from './processes.js';
import {
  dashboardFrame,
  lossChart,
  openDashboardFromRow,
  prepareStandinWorkspace,
  RUNS_TEMPLATE,
  runRecords,
  treeRows,
  waitForMorePoints,
  waitForRecord,
} from './standin.js';

const TOTAL = 120;

/** Screenshot into test-results/<name>.png exactly (no spec prefix): the names the issue asks for. */
async function shot(vs: VsCode, name: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await vs.page.screenshot({ path });
  return path;
}

test('dashboard: run from the Configs view, growing loss chart, gallery, reload, themes', async () => {
  const clock = new StepClock();
  const step = (name: string) => clock.step(name);
  await withVsCode(
    'dashboard',
    {
      workspaceTemplate: RUNS_TEMPLATE,
      prepareWorkspace: prepareStandinWorkspace,
      theme: 'Default Dark Modern',
      viewport: { width: 1600, height: 1000 },
    },
    async (vs) => {
      const ws = vs.workspace;
      clock.restart();

      // --- Start from the Configs view: the config row's inline "Start Training Run" action.
      await vs.runCommand('SDXL: Focus on Configs View');
      const config = treeRows(vs, 'Configs', 'normal.sdxl.json').first();
      await config.hover();
      await config.locator('.actions .action-label[aria-label*="Start Training Run"]').click();
      const rec = await waitForRecord(ws, 'the run started from the Configs view', (r) => r.name === 'normal run');

      // --- It appears in Runs; its row opens the dashboard.
      const row = treeRows(vs, 'Runs', 'normal run').first();
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /\[simulation\] normal run/);
      let frame = await openDashboardFromRow(vs, row);
      await frame.locator('.banner-sim').waitFor();
      step('start from Configs view, open dashboard');

      // --- The loss chart plots more points as the run goes on.
      const p1 = await waitForMorePoints(vs, 0);
      const p2 = await waitForMorePoints(vs, p1);
      assert.ok(p2 > p1);

      // --- A validation epoch (every 2nd epoch of 8 steps) adds images to the gallery.
      const images = frame.locator('.gallery-grid .gallery-row img');
      await until('validation images in the gallery', 30_000, async () => ((await images.count()) >= 2 ? true : undefined), 200);
      const firstEpochs = Number(await frame.locator('.gallery-grid').getAttribute('data-columns'));
      step('chart grows, gallery images');

      // --- Reload Window mid-run: the panel comes back and follows the run on to the end, with every step.
      const live = runRecords(ws).find((r) => r.record.id === rec.record.id)!;
      assert.equal(live.record.state, 'running', 'the run must still be going at the reload');
      const before = (await lossChart(frame)).points;
      await vs.reloadWindow();
      frame = await dashboardFrame(vs, 60_000);
      await waitForMorePoints(vs, before, 60_000);
      step('reload');
      await waitForRecord(ws, 'the run to succeed', (r) => r.id === rec.record.id && r.state === 'succeeded', 60_000);
      const chart = await until(
        'the loss chart to hold the whole run',
        30_000,
        async () => {
          const c = await lossChart(await dashboardFrame(vs, 5000));
          return c.series.step_loss?.last === TOTAL ? c : undefined;
        },
        200,
      );
      assert.equal(chart.series.step_loss!.first, 1, JSON.stringify(chart));
      assert.equal(chart.series.step_loss!.n, TOTAL, `no gap after the reload: ${JSON.stringify(chart)}`);
      frame = await dashboardFrame(vs);
      await frame.locator('dd[data-field="state"]', { hasText: /succeeded|finished/ }).waitFor();
      const epochs = Number(await frame.locator('.gallery-grid').getAttribute('data-columns'));
      assert.ok(epochs > firstEpochs, `more validation epochs by the end (${firstEpochs} → ${epochs})`);
      step('finished, no gap');

      // --- Screenshots: Runs view with the run's checkpoints, the dashboard in dark and in light.
      await vs.runCommand('Notifications: Clear All Notifications');
      await vs.runCommand('SDXL: Focus on Runs View');
      const runRow = treeRows(vs, 'Runs', 'normal run').first();
      if ((await runRow.getAttribute('aria-expanded')) === 'false') await runRow.locator('.monaco-tl-twistie').click();
      await treeRows(vs, 'Runs', 'checkpoint-120').first().waitFor();
      await vs.page.locator('.part.sidebar').screenshot({ path: join(RESULTS_DIR, 'runs-view.png') });
      frame = await dashboardFrame(vs);
      await frame.locator('section.chart[data-chart="loss"] canvas').first().waitFor();
      const dark = await shot(vs, 'dashboard-dark');
      // The README's screenshot is a tracked file: refreshed only on request, so a test run leaves the tree clean.
      if (process.env.SDXL_UPDATE_SCREENSHOT === '1') {
        await mkdir(join(REPO_ROOT, 'docs', 'images'), { recursive: true });
        await copyFile(dark, join(REPO_ROOT, 'docs', 'images', 'screenshot.png'));
      }
      frame = await dashboardFrame(vs);
      await frame.locator('vscode-tab-header', { hasText: 'Validation' }).click();
      await frame.locator('.gallery-grid .gallery-row img').first().waitFor({ state: 'visible' });
      await shot(vs, 'dashboard-gallery-dark');
      // GPU stats came from the workspace's nvidia-smi (the fake one, set by the stand-in workspace), with the run's own
      // memory; and nothing went wrong that the extension would have noted.
      await frame.locator('vscode-tab-header', { hasText: 'GPU' }).click();
      const readout = await until('the GPU chart read-out', 10_000, async () => (await frame.locator('#chart-gpu-readout').textContent()) || undefined);
      assert.match(readout, /^latest: [\d.]+ \/ [\d.]+ GiB · \d+ % · \d+ °C$/);
      assert.equal(await frame.locator('details.banner-notes').count(), 0, 'no notices on a clean run');
      await shot(vs, 'dashboard-gpu-dark');
      await frame.locator('vscode-tab-header', { hasText: 'Validation' }).click();
      // The samples viewer on a real image: opens on a click, → / ← step through the validations, Esc closes.
      await frame.locator('.gallery-grid .thumb').first().click();
      await frame.locator('dialog.viewer[open] .viewer-image').first().waitFor({ state: 'visible' });
      const viewerCaption = frame.locator('#viewer-caption');
      const newest = await viewerCaption.textContent();
      await frame.locator('dialog.viewer').press('ArrowLeft');
      await until('the viewer at an earlier step', 5_000, async () => ((await viewerCaption.textContent()) !== newest ? true : undefined), 100);
      await shot(vs, 'dashboard-viewer-dark');
      await frame.locator('dialog.viewer').press('Escape');
      await frame.locator('dialog.viewer[open]').waitFor({ state: 'detached' });
      await frame.locator('vscode-tab-header', { hasText: 'Training' }).click();

      await vs.setTheme('Default Light Modern');
      frame = await dashboardFrame(vs);
      await frame.locator('body.vscode-light').waitFor();
      await frame.locator('section.chart[data-chart="loss"] canvas').first().waitFor();
      await until('the loss chart redrawn in the light theme', 10_000, async () => ((await lossChart(frame)).points > 0 ? true : undefined));
      await shot(vs, 'dashboard-light');
      step('screenshots');
    },
  );
  clock.report('dashboard');
});
