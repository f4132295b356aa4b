// Helpers for the e2e specs that train with the stand-in trainer (test/fixtures/trainer/standin_trainer.py): the
// workspace template with its absolute paths filled in, the run records the extension writes, the processes of a
// run, and the dashboard webview's loss chart.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Frame } from 'playwright-core';
import { REPO_ROOT, type VsCode } from './harness.js';
import { until } from './processes.js';
import { runRecords, type RecordOnDisk, type RunRecordFile } from './runRecords.js';

export const RUNS_TEMPLATE = join(REPO_ROOT, 'test', 'e2e', 'runs-workspace');
export { FAKE_NVIDIA_SMI, prepareStandinWorkspace, STANDIN_ACCELERATE, STANDIN_TRAINER } from '../../scripts/standin-workspace.cjs';
export { consoleOf, runRecords, type RecordOnDisk, type RunRecordFile } from './runRecords.js';

/** Wait for a run record matching `pick`. */
export function waitForRecord(workspace: string, what: string, pick: (r: RunRecordFile) => boolean, timeoutMs = 60_000): Promise<RecordOnDisk> {
  return until(`run record: ${what}`, timeoutMs, async () => runRecords(workspace).find((r) => pick(r.record)), 200);
}

/** Step numbers the console's tqdm bar showed (`Steps: …| 12/120 [`), in order. */
export function consoleSteps(text: string, total: number): number[] {
  return [...text.matchAll(new RegExp(`\\|\\s*(\\d+)/${total} \\[`, 'g'))].map((m) => Number(m[1]));
}

/** Processes (not ours) whose command line contains any of `needles`. */
export function processesMentioning(needles: string[]): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd && needles.some((n) => cmd.includes(n))) found.push({ pid: Number(entry), cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return found;
}

/** `node dist/cli.js summarize <dir> --json`: the state of a run as the project's CLI reads it from its files. */
export async function summarize(
  dir: string,
): Promise<{ state: string; step: number | null; totalSteps: number | null; checkpoints: { step: number; complete: boolean }[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'summarize', dir, '--json']);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof summarize>>;
}

/** A tree view's pane in the side bar (e.g. "Configs", "Runs"). */
export function pane(vs: VsCode, title: string) {
  return vs.page.locator('.part.sidebar .pane').filter({ has: vs.page.locator('.pane-header', { hasText: title }) });
}

/** Rows of a side bar tree view that contain `text`. */
export function treeRows(vs: VsCode, paneTitle: string, text: string | RegExp) {
  return pane(vs, paneTitle).locator('.monaco-list-row').filter({ hasText: text });
}

/** The run dashboard's webview document (the frame that holds its loss chart). */
export function dashboardFrame(vs: VsCode, timeoutMs = 30_000): Promise<Frame> {
  return vs.webviewFrame('section.chart[data-chart="loss"]', timeoutMs);
}

/**
 * Click a Runs view row until its dashboard shows. A live run's row is re-rendered on every change, and a click that
 * lands while the row is replaced is lost, so the click is repeated (clicking an open dashboard's row only reveals it).
 */
export function openDashboardFromRow(vs: VsCode, row: ReturnType<typeof treeRows>, timeoutMs = 30_000): Promise<Frame> {
  return until(
    'the dashboard to open from the Runs view',
    timeoutMs,
    async () => {
      await row.click();
      return dashboardFrame(vs, 3000);
    },
    0,
  );
}

export interface SeriesStats {
  n: number;
  first: number;
  last: number;
}

/** What the dashboard's loss chart holds and plots (its data-points / data-series attributes, see webview/src/stepChart.ts). */
export async function lossChart(frame: Frame): Promise<{ points: number; series: Record<string, SeriesStats> }> {
  const chart = frame.locator('section.chart[data-chart="loss"]');
  const points = Number((await chart.getAttribute('data-points')) ?? '0');
  const series = JSON.parse((await chart.getAttribute('data-series')) ?? '{}') as Record<string, SeriesStats>;
  return { points, series };
}

/** Wait until the loss chart plots more than `than` points; returns the new count. */
export async function waitForMorePoints(vs: VsCode, than: number, timeoutMs = 30_000): Promise<number> {
  return until(
    `the loss chart to plot more than ${than} points`,
    timeoutMs,
    async () => {
      const { points } = await lossChart(await dashboardFrame(vs, 5000));
      return points > than ? points : undefined;
    },
    200,
  );
}
