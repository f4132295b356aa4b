// Training runs end to end with the stand-in trainer, in one code-server session (issue 3): start from the palette,
// the status bar shows step/total and ETA, "Reload Window" mid-run keeps following the run with no gap, Stop leaves no
// process, an injected CUDA OOM shows a notification and a Problems entry (back after a reload, gone after an edit)
// whose quick fix edits the config, Resume continues from the newest complete checkpoint, and the dashboard compares
// two runs, its tab named after what it shows. The OOM config carries a fake Hub token (args.hub_token, launch.env
// HF_TOKEN) and its training prints it: no notification, Problems entry, dashboard, log or file of the extension shows
// it (issue 8), yet the training, and its resume, get it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { withVsCode, type Problem, type VsCode } from './harness.js';
import { StepClock, until } from './processes.js';
import {
  consoleOf,
  consoleSteps,
  dashboardFrame,
  lossChart,
  openDashboardFromRow,
  prepareStandinWorkspace,
  processesMentioning,
  RUNS_TEMPLATE,
  runRecords,
  summarize,
  treeRows,
  waitForRecord,
} from './standin.js';

const START = 'SDXL: Start Training Run';
const NORMAL_TOTAL = 120;
const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';

/** The OOM config of the workspace, given the token in args.hub_token and launch.env, and told to print HF_TOKEN. */
function addToken(ws: string): void {
  const file = join(ws, 'oom.sdxl.json');
  const text = readFileSync(file, 'utf8')
    .replace('"STANDIN_FAIL": "cuda_oom",', `"STANDIN_FAIL": "cuda_oom", "HF_TOKEN": "${TOKEN}", "STANDIN_ECHO_ENV": "HF_TOKEN",`)
    .replace('"seed": 42,', `"seed": 42, "hub_token": "${TOKEN}",`);
  assert.equal(text.split(TOKEN).length, 3, 'the token went into the OOM config twice');
  writeFileSync(file, text);
}

/** Files under `dir` (recursively) whose bytes hold the token. */
function filesWithToken(dir: string): string[] {
  const token = Buffer.from(TOKEN);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => {
    try {
      return readFileSync(join(dir, f)).includes(token);
    } catch {
      return false; // a folder
    }
  });
}

/** The run's status bar item: its step, total and whether it shows an ETA. */
async function statusBar(vs: VsCode): Promise<{ step: number; total: number; text: string } | undefined> {
  const item = vs.statusBarItem('SDXL SIMULATION').first();
  if (!(await item.isVisible())) return undefined;
  const text = (await item.textContent()) ?? '';
  const m = /(\d+)\/(\d+)/.exec(text);
  return m ? { step: Number(m[1]), total: Number(m[2]), text } : undefined;
}

/** Wait until the status bar shows a step above `above`; returns what it shows. */
function waitForStatusStep(vs: VsCode, above: number, timeoutMs = 30_000) {
  return until(
    `the status bar to show a step above ${above}`,
    timeoutMs,
    async () => {
      const s = await statusBar(vs);
      return s && s.step > above ? s : undefined;
    },
    100,
  );
}

async function startFromPalette(vs: VsCode, configFile: string): Promise<void> {
  await vs.runCommand(START);
  await vs.pick(configFile);
}

test('runs: start, status bar, reload mid-run, stop, CUDA OOM + quick fix, resume', async () => {
  const clock = new StepClock();
  const step = (name: string) => clock.step(name);
  await withVsCode('runs', { workspaceTemplate: RUNS_TEMPLATE, prepareWorkspace: prepareStandinWorkspace }, async (vs) => {
    const ws = vs.workspace;
    clock.restart();

    // --- Start from the palette; the status bar shows step/total and an ETA while it trains.
    await startFromPalette(vs, 'normal.sdxl.json');
    const first = await waitForStatusStep(vs, 0, 60_000);
    assert.equal(first.total, NORMAL_TOTAL, first.text);
    const training = await until('the status bar to show an ETA', 30_000, async () => {
      const s = await statusBar(vs);
      return s && /ETA \d+:\d\d/.test(s.text) ? s : undefined;
    });
    assert.match(training.text, /SDXL SIMULATION \d+\/120 · .*(it\/s|s\/it) · ETA \d+:\d\d/);
    const normal = await waitForRecord(ws, 'the normal run', (r) => r.name === 'normal run');
    step('start + status bar');

    // --- Reload Window mid-run: the reattached extension follows the same run on, and at the end has every step.
    const before = await waitForStatusStep(vs, 8);
    assert.ok(before.step < NORMAL_TOTAL - 30, `the run must still be going at the reload (step ${before.step})`);
    await vs.reloadWindow();
    const after = await waitForStatusStep(vs, before.step, 60_000);
    await waitForStatusStep(vs, after.step);
    const rec = runRecords(ws).find((r) => r.record.id === normal.record.id)!;
    assert.equal(rec.record.state, 'running', 'the reload must not have ended the run');
    step('reload mid-run');
    await waitForRecord(ws, 'the normal run to succeed', (r) => r.id === normal.record.id && r.state === 'succeeded', 60_000);
    await vs.statusBarItem('SDXL SIMULATION').first().waitFor({ state: 'hidden' });
    const summary = await summarize(normal.dir);
    assert.equal(summary.state, 'succeeded');
    assert.equal(summary.step, NORMAL_TOTAL);
    const printed = new Set(consoleSteps(consoleOf(normal), NORMAL_TOTAL));
    // The run's row in the Runs view opens its dashboard; the loss series there has every step the console printed.
    await vs.runCommand('SDXL: Focus on Runs View');
    const row = treeRows(vs, 'Runs', 'normal run').first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /finished at step 120/);
    const frame = await openDashboardFromRow(vs, row);
    const chart = await until('the loss chart to hold the whole run', 30_000, async () => {
      const c = await lossChart(frame);
      return c.series.step_loss?.last === NORMAL_TOTAL ? c : undefined;
    });
    const loss = chart.series.step_loss!;
    assert.equal(loss.first, 1, JSON.stringify(chart));
    assert.equal(loss.n, NORMAL_TOTAL, `no gap: ${JSON.stringify(chart)}`);
    for (let s = 1; s <= NORMAL_TOTAL; s++) assert.ok(printed.has(s), `the console printed step ${s}`);
    step('finished, no gap');

    // --- Start the same config again: its output folder holds the first run's files, so Start asks before writing
    // there; a new folder keeps the first run's checkpoints and curves as they were.
    const firstOut = normal.record.outputDir ?? join(ws, 'output', 'normal');
    const firstCheckpoints = readdirSync(firstOut)
      .filter((d) => d.startsWith('checkpoint-'))
      .sort();
    assert.ok(firstCheckpoints.length > 0, 'the first run saved checkpoints');
    await vs.runCommand('View: Close All Editors');
    await startFromPalette(vs, 'normal.sdxl.json');
    const question = await vs.answerDialog(/^Start in output\/normal-2$/);
    assert.match(question, /Output folder 'output\/normal' already holds \d+ checkpoints .* of run "\[simulation\] normal run.*" \(finished at step 120/);
    const second = await waitForRecord(ws, 'a second normal run', (r) => r.name === 'normal run' && r.id !== normal.record.id);
    assert.equal(second.record.outputDir, join(ws, 'output', 'normal-2'));
    assert.ok(
      second.record.plan.argv.some((a) => /^--output_dir=(\.\/)?output\/normal-2$/.test(a)),
      second.record.plan.argv.join(' '),
    );
    assert.doesNotMatch(await readFile(join(ws, 'normal.sdxl.json'), 'utf8'), /normal-2/, 'the config is left as it is');
    await waitForStatusStep(vs, 2, 60_000);
    await vs.runCommand('SDXL: Stop Run');
    const stopped = await waitForRecord(ws, 'the second run to be stopped', (r) => r.id === second.record.id && r.state !== 'running', 60_000);
    assert.equal(stopped.record.state, 'stopped');
    const outputDir = stopped.record.outputDir ?? join(ws, 'output', 'normal');
    // The wrapper writes "stopped" to run.json just before it exits (Stop returns once it has): wait for that exit.
    let left = processesMentioning([outputDir, 'standin_trainer.py', second.dir]);
    await until(
      'no process of the stopped run left',
      15_000,
      async () => ((left = processesMentioning([outputDir, 'standin_trainer.py', second.dir])).length === 0 ? true : undefined),
      100,
    ).catch(() => undefined);
    assert.deepEqual(left, [], 'processes of the stopped run');
    await vs.statusBarItem('SDXL SIMULATION').first().waitFor({ state: 'hidden' });
    assert.deepEqual(
      readdirSync(firstOut)
        .filter((d) => d.startsWith('checkpoint-'))
        .sort(),
      firstCheckpoints,
      "the first run's checkpoints",
    );
    assert.deepEqual(await summarize(normal.dir), summary, 'the first run reads as before');
    // Its dashboard (closed with the editors above) shows its own curve again, whole.
    const againFrame = await openDashboardFromRow(
      vs,
      treeRows(vs, 'Runs', 'normal run')
        .filter({ hasText: /finished at step 120/ })
        .first(),
    );
    const firstAgain = await until("the first run's loss chart again", 30_000, async () => {
      const c = await lossChart(againFrame);
      return c.series.step_loss?.last === NORMAL_TOTAL ? c : undefined;
    });
    assert.deepEqual(firstAgain.series.step_loss, chart.series.step_loss, "the first run's curve in its dashboard");
    await vs.runCommand('View: Close All Editors');
    step('second start asks; stop');

    // --- CUDA OOM at step 25: an error notification, and a Problems entry on the config whose quick fix edits it.
    // (The earlier runs' notifications, one per validation epoch, would otherwise fill the three toast slots.)
    await vs.runCommand('Notifications: Clear All Notifications');
    addToken(ws);
    await startFromPalette(vs, 'oom.sdxl.json');
    const oom = await waitForRecord(ws, 'the OOM run to fail', (r) => r.name === 'oom run' && r.state === 'failed', 60_000);
    // The Runs view (visible all along) updates the run's row in place.
    await treeRows(vs, 'Runs', 'oom run')
      .filter({ hasText: /failed: Out of GPU memory at step 2\d/ })
      .first()
      .waitFor();
    const note = await vs.waitForNotification('oom run" failed');
    assert.match(note, /failed: Out of GPU memory\. .*CUDA out of memory/);
    assert.match(note, /Apply Fix/);
    const isOom = (p: Problem) => p.file === 'oom.sdxl.json' && p.code === 'run-cuda_oom';
    const problems = await vs.waitForProblems('the run failure on oom.sdxl.json', (p) => p.some(isOom));
    const problem = problems.find(isOom)!;
    // The training got the token (its console prints it), the record and what is shown have none of it.
    assert.ok(consoleOf(oom).includes(`HF_TOKEN=${TOKEN}`), 'the training got HF_TOKEN');
    assert.ok(!readFileSync(join(oom.dir, 'run.json'), 'utf8').includes(TOKEN), 'run.json holds the token');
    assert.ok(!note.includes(TOKEN), note);
    for (const p of problems) assert.ok(!p.message.includes(TOKEN), p.message);
    assert.equal(problem.severity, 'error');
    assert.match(problem.message, new RegExp(`Run ${oom.record.id} failed \\(Out of GPU memory\\)`));
    await vs.screenshot('oom-problem');
    // A window reload sees no run fail (the monitors re-read the runs' files), yet the entry comes back as it was; the
    // notification, news of the moment it failed, does not.
    await vs.reloadWindow();
    const reloaded = await vs.waitForProblems('the run failure on oom.sdxl.json after the reload', (p) => p.some(isOom), 60_000);
    const again = reloaded.find(isOom)!;
    assert.deepEqual([again.severity, again.message, again.line, again.column], [problem.severity, problem.message, problem.line, problem.column]);
    const center = vs.page.locator('.notifications-center');
    await vs.runCommand('Notifications: Show Notifications');
    await center.waitFor({ state: 'visible' });
    assert.equal(await center.locator('.monaco-list-row', { hasText: 'oom run" failed' }).count(), 0, 'no replayed notification');
    await vs.runCommand('Notifications: Hide Notifications');
    await center.waitFor({ state: 'hidden' });
    step('OOM: problem again after a reload');
    await vs.applyQuickFix(`Run ${oom.record.id} failed`, 'Enable gradient checkpointing');
    // The edit lands at the end of "args", below the visible lines: check the saved file instead of the view.
    await vs.waitForDirty(true);
    await vs.focusEditor();
    await vs.save();
    assert.match(await readFile(join(ws, 'oom.sdxl.json'), 'utf8'), /"gradient_checkpointing": true/);
    // The diagnosis described the config as it was: the edit dismisses it.
    await vs.waitForProblems('the run failure to go with the edit', (p) => !p.some(isOom));
    step('OOM: notification, problem, quick fix');

    // --- Resume: a new run continues from the newest complete checkpoint (20: checkpoints every 10, OOM at 25).
    const oomOut = oom.record.outputDir ?? join(ws, 'output', 'oom');
    const saved = readdirSync(oomOut)
      .map((d) => /^checkpoint-(\d+)$/.exec(d))
      .filter((m) => m !== null)
      .map((m) => Number(m![1]))
      .filter((n) => existsSync(join(oomOut, `checkpoint-${n}`, 'optimizer.bin')))
      .sort((a, b) => b - a);
    const newest = saved[0];
    assert.ok(newest !== undefined && newest < 25, `complete checkpoints: ${saved.join(', ')}`);
    await vs.closeQuickInput();
    await vs.runCommand('SDXL: Resume Run');
    await vs.pick('oom run');
    const resumed = await waitForRecord(ws, 'the resumed run', (r) => r.resumedFrom?.startsWith(oom.record.id) === true);
    // The stand-in still injects the OOM at step 25 (the record's environment), so the resumed run ends too.
    await waitForRecord(ws, 'the resumed run to end', (r) => r.id === resumed.record.id && ['succeeded', 'failed', 'stopped'].includes(r.state), 60_000);
    const text = consoleOf(resumed);
    assert.match(text, new RegExp(`Resuming from checkpoint checkpoint-${newest}\\b`));
    assert.ok(text.includes(`HF_TOKEN=${TOKEN}`), 'the resume got HF_TOKEN again from the config (run.json keeps none)');
    const resumedSteps = consoleSteps(text, 60);
    assert.equal(Math.min(...resumedSteps), newest, `the resumed run's steps start at the checkpoint: ${resumedSteps.join(',')}`);
    assert.ok(resumedSteps.includes(newest + 1), `and continue with step ${newest + 1}`);
    const resumedSummary = await summarize(resumed.dir);
    assert.ok((resumedSummary.step ?? 0) > newest, JSON.stringify(resumedSummary));
    step('resume');

    // --- Compare: pick two runs from the palette's multi-select; the dashboard overlays exactly those.
    await vs.runCommand('SDXL: Compare Runs in Dashboard');
    for (const id of [normal.record.id, oom.record.id]) {
      // In a multi-select quick pick a click on the row toggles its checkbox.
      await vs.page.locator('.quick-input-list .monaco-list-row', { hasText: id }).first().click();
    }
    await vs.page.locator('.quick-input-widget', { hasText: '2 Selected' }).waitFor();
    await vs.page.keyboard.press('Enter');
    const compareFrame = await dashboardFrame(vs);
    const shown = await until('the dashboard to overlay the two picked runs', 30_000, async () => {
      const ids = await compareFrame.locator('vscode-checkbox[data-run][checked]').evaluateAll((els) => els.map((e) => e.getAttribute('data-run')));
      return ids.length === 2 && ids.includes(normal.record.id) && ids.includes(oom.record.id) ? ids : undefined;
    });
    assert.equal(shown.length, 2);
    await vs.screenshot('compare');
    // The panel is named after what it shows: the two runs, then the one left when the other is unchecked in the page.
    const tabTitle = (what: string, pattern: RegExp) =>
      until(
        `the dashboard tab to be titled ${what}`,
        15_000,
        async () => {
          const title = (await vs.activeTab.first().textContent())?.trim() ?? '';
          return pattern.test(title) ? title : undefined;
        },
        100,
      );
    await tabTitle('"SDXL: 2 runs"', /^SDXL: 2 runs/);
    await compareFrame.locator(`vscode-checkbox[data-run="${oom.record.id}"]`).click();
    await tabTitle('after the normal run', /^SDXL: \[simulation\] normal run/);
    step('compare');

    // --- The token: nowhere in the dashboard, the extension's log, or a file of the workspace but the config and the
    // consoles of the runs whose training printed it (a console is the training's own output, kept owner-only).
    await vs.runCommand('View: Close All Editors');
    const oomFrame = await openDashboardFromRow(
      vs,
      treeRows(vs, 'Runs', 'oom run')
        .filter({ hasText: /failed: Out of GPU memory/ })
        .first(),
    );
    await oomFrame.locator('.banner-error[data-failure="cuda_oom"]').first().waitFor();
    const page = (await oomFrame.locator('body').textContent()) ?? '';
    assert.ok(!page.includes(TOKEN), 'the dashboard shows the token');
    const logs = readdirSync(vs.userDataDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('SDXL Trainer.log'));
    assert.ok(logs.length > 0, 'the extension log');
    for (const f of logs) assert.ok(!readFileSync(join(vs.userDataDir, f), 'utf8').includes(TOKEN), `${f} holds the token`);
    const echoed = [oom.dir, resumed.dir].map((d) => relative(ws, join(d, 'console.log')));
    assert.deepEqual(filesWithToken(ws).sort(), ['oom.sdxl.json', ...echoed].sort());
    step('the token is shown nowhere');
  });
  clock.report('runs');
});
