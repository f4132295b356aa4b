// CLIP scores on the dashboard end to end (issue 12, part D): a stand-in run started from the palette writes
// validation images into its event files; the extension scores them with the tiny CLIP-shaped ONNX model the spec
// builds (test/clip/tinyClip.ts; `sdxl.clip.model` names its folder, so nothing is downloaded), appends the scores to
// the run's clip-scores.jsonl, and the dashboard shows the "CLIP score" chart with points and a score on each image.
// Screenshots: test-results/clip-scores-chart.png, test-results/clip-scores-gallery.png.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RESULTS_DIR, withVsCode } from './harness.js';
import { until } from './processes.js';
import { dashboardFrame, openDashboardFromRow, prepareStandinWorkspace, RUNS_TEMPLATE, treeRows, waitForRecord } from './standin.js';
import { writeTinyClip } from '../clip/tinyClip.js';

const MODEL_DIR = 'tiny-clip';

test("CLIP scores: a stand-in run's validation images are scored; the dashboard charts them and shows each score", async () => {
  // Filled in once the workspace's path is known (the harness writes the user settings after prepareWorkspace).
  const userSettings: Record<string, unknown> = { 'sdxl.clip.scoreValidationImages': true };
  await withVsCode(
    'clipScores',
    {
      workspaceTemplate: RUNS_TEMPLATE,
      prepareWorkspace: async (ws) => {
        await prepareStandinWorkspace(ws);
        writeTinyClip(join(ws, MODEL_DIR));
        userSettings['sdxl.clip.model'] = join(ws, MODEL_DIR);
      },
      userSettings,
      viewport: { width: 1600, height: 1000 },
    },
    async (vs) => {
      const ws = vs.workspace;
      await vs.runCommand('SDXL: Start Training Run');
      await vs.pick('normal.sdxl.json');
      const rec = await waitForRecord(ws, 'the normal run', (r) => r.name === 'normal run');
      const row = treeRows(vs, 'Runs', 'normal run').first();
      await row.waitFor();
      let frame = await openDashboardFromRow(vs, row);

      // The scores file the service appends to, next to the run's cut images.
      const file = join(ws, '.sdxl', 'images', rec.record.id, 'clip-scores.jsonl');
      const lines = await until(
        "CLIP scores of two validations in the run's clip-scores.jsonl",
        90_000,
        async () => {
          if (!existsSync(file)) return undefined;
          const parsed = readFileSync(file, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { tag: string; epoch: number; index: number; score: number; model: string });
          return new Set(parsed.filter((p) => p.tag === 'validation').map((p) => p.epoch)).size >= 2 ? parsed : undefined;
        },
        250,
      );
      for (const l of lines) {
        assert.ok(l.score >= 0 && l.score <= 100, JSON.stringify(l));
        assert.ok(l.model.length > 0);
      }

      // The chart beside the loss has a point per scored validation.
      frame = await dashboardFrame(vs);
      const chart = frame.locator('section.chart[data-chart="clip"]');
      await until('the CLIP score chart to plot two validations', 30_000, async () => {
        const series = JSON.parse((await chart.getAttribute('data-series')) ?? '{}') as Record<string, { n: number }>;
        return (series.clip_score?.n ?? 0) >= 2 ? true : undefined;
      });
      assert.equal(await chart.locator('h3').textContent(), 'CLIP score');
      await vs.runCommand('Notifications: Clear All Notifications');
      frame = await dashboardFrame(vs);
      await frame.locator('section.chart[data-chart="clip"]').scrollIntoViewIfNeeded();
      await mkdir(RESULTS_DIR, { recursive: true });
      await vs.page.screenshot({ path: join(RESULTS_DIR, 'clip-scores-chart.png') });

      // Each scored image in the gallery shows its score.
      await frame.locator('vscode-tab-header', { hasText: 'Validation' }).click();
      const badge = frame.locator('.gallery-grid .thumb .clip-score').first();
      await badge.waitFor({ state: 'visible', timeout: 30_000 });
      assert.match((await badge.textContent()) ?? '', /^CLIP score \d+\.\d$/);
      await vs.page.screenshot({ path: join(RESULTS_DIR, 'clip-scores-gallery.png') });
      await frame.locator('vscode-tab-header', { hasText: 'Training' }).click();

      // The final test images after training (same prompt) are scored too; the run ends with nothing left behind.
      await waitForRecord(ws, 'the run to succeed', (r) => r.id === rec.record.id && r.state === 'succeeded', 90_000);
      await until("the final test images' scores", 60_000, async () => (readFileSync(file, 'utf8').includes('"tag":"test"') ? true : undefined), 250);
    },
  );
});
