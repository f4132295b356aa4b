// The Runs view's context actions on a failed stand-in run, in one code-server session (issue 4): the dashboard's
// failure banner opens the console log at the failing line, and a click on the loss chart at that step's bar line;
// the banner's fix button edits the run's config and says what it set (issue 7); Resume From Here on a checkpoint row
// starts a run from that checkpoint, added below the row clicked and selected; Open Console Log; Open in TensorBoard
// without the Python extension copies a quoted command; Reveal Output selects the output_dir in the Explorer, the
// dashboard's Open a checkpoint folder; Delete Record asks first, then removes the record (not the output) and its row;
// a start that preflight refuses says why in one sentence and Open Config puts the cursor on the setting.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDisplayName } from '../../src/core/view/format';
import { withVsCode } from './harness.js';
import { StepClock, until } from './processes.js';
import { consoleOf, openDashboardFromRow, pane, prepareStandinWorkspace, RUNS_TEMPLATE, runRecords, treeRows, waitForRecord } from './standin.js';

test('run actions: failing line from the banner, a step from the chart, Resume From Here, console log, TensorBoard, Reveal Output, Delete Record', async () => {
  const clock = new StepClock();
  const step = (name: string) => clock.step(name);
  await withVsCode('run-actions', { workspaceTemplate: RUNS_TEMPLATE, prepareWorkspace: prepareStandinWorkspace }, async (vs) => {
    const ws = vs.workspace;
    clock.restart();

    // --- A run that fails with CUDA OOM at step 25, after checkpoints 10 and 20.
    await vs.runCommand('SDXL: Start Training Run');
    await vs.pick('oom.sdxl.json');
    const oom = await waitForRecord(ws, 'the OOM run to fail', (r) => r.name === 'oom run' && r.state === 'failed', 60_000);
    await vs.runCommand('Notifications: Clear All Notifications');
    await vs.runCommand('SDXL: Focus on Runs View');
    const row = treeRows(vs, 'Runs', 'oom run')
      .filter({ hasText: /failed: Out of GPU memory at step 2\d/ })
      .first();
    await row.waitFor();
    step('failed run');

    // --- The failure banner's button opens console.log with the cursor on the line that says what failed.
    const frame = await openDashboardFromRow(vs, row);
    const button = frame.locator('.banner-error vscode-button', { hasText: /Open console at line \d+/ });
    const line = Number(/line (\d+)/.exec((await button.textContent()) ?? '')![1]);
    await button.click();
    await vs.activeTab.filter({ hasText: 'console.log' }).waitFor();
    await vs.statusBarItem(`Ln ${line},`).first().waitFor();
    const consoleLines = consoleOf(oom).split(/\r?\n|\r/);
    assert.match(consoleLines[line - 1] ?? '', /OutOfMemoryError: CUDA out of memory/, `line ${line}: ${consoleLines[line - 1]}`);
    await vs.runCommand('View: Close All Editors');
    step('banner → console line');

    // --- The banner names the failure for people and offers the fix; applying it says what changed, in which file.
    const fixFrame = await openDashboardFromRow(vs, row);
    const bannerTitle = fixFrame.locator('.banner-error .banner-title');
    await bannerTitle.filter({ hasText: 'Out of GPU memory' }).waitFor();
    assert.equal(await bannerTitle.textContent(), 'Training failed: Out of GPU memory');
    await fixFrame.locator('.banner-error vscode-button[data-action="apply-fix"]', { hasText: 'Apply fix: Enable gradient checkpointing' }).click();
    const applied = await vs.waitForNotification('Set gradient_checkpointing to true in oom.sdxl.json.');
    assert.match(applied, /SDXL: Set gradient_checkpointing to true in oom\.sdxl\.json\./);
    await vs.activeTab.filter({ hasText: 'oom.sdxl.json' }).waitFor();
    await vs.focusEditor();
    await vs.save();
    assert.match(readFileSync(join(ws, 'oom.sdxl.json'), 'utf8'), /"gradient_checkpointing": true/);
    await vs.runCommand('View: Close All Editors');
    step('banner fix → config');

    // --- A click on the loss chart pins its read-out (the dashboard stays); the read-out's "Open console at step N"
    // opens the console log at the progress bar line of that step.
    const dash = await openDashboardFromRow(vs, row);
    const over = dash.locator('section.chart[data-chart="loss"] .u-over');
    const box = (await over.boundingBox())!;
    await over.hover({ position: { x: box.width * 0.5, y: box.height / 2 } });
    await over.click({ position: { x: box.width * 0.5, y: box.height / 2 } });
    const openAtStep = dash.locator('section.chart[data-chart="loss"] vscode-button[data-action="open-console"]');
    await openAtStep.waitFor();
    assert.match((await openAtStep.textContent()) ?? '', /^Open console at step \d+$/);
    await openAtStep.click();
    await vs.activeTab.filter({ hasText: 'console.log' }).waitFor();
    // The reopened file first shows the cursor where it was left (the failure line), then moves: wait for the move.
    let seen = '';
    const stepLine = await until('the cursor on a progress bar line', 10_000, async () => {
      seen =
        (await vs
          .statusBarItem('Ln ')
          .first()
          .textContent()
          .catch(() => null)) ?? '';
      const n = Number(/Ln (\d+),/.exec(seen)?.[1]);
      return n && /^Steps: .*\| \d+\/60 \[/.test(consoleLines[n - 1] ?? '') ? n : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}; the status bar said "${seen}"`);
    });
    assert.ok(stepLine !== line, 'not the failure line any more');
    await vs.runCommand('View: Close All Editors');
    step('chart click → pinned read-out → console line');

    // --- Resume From Here on checkpoint-10 (not the newest): a new run resumes from exactly that checkpoint.
    await vs.runCommand('SDXL: Focus on Runs View');
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    const checkpointRow = treeRows(vs, 'Runs', 'checkpoint-10').first();
    await checkpointRow.waitFor();
    assert.match((await checkpointRow.textContent()) ?? '', /complete/);
    await vs.contextMenu(checkpointRow, 'Resume From Here');
    const resumed = await waitForRecord(ws, 'the run resumed from checkpoint-10', (r) => r.resumedFrom?.startsWith(oom.record.id) === true);
    const argv = resumed.record.plan.argv;
    const at = argv.indexOf('--resume_from_checkpoint');
    assert.ok(at > 0, argv.join(' '));
    assert.match(argv[at + 1] ?? '', /checkpoint-10$/);
    await waitForRecord(ws, 'the resumed run to end', (r) => r.id === resumed.record.id && ['succeeded', 'failed', 'stopped'].includes(r.state), 60_000);
    assert.match(consoleOf(resumed), /Resuming from checkpoint checkpoint-10\b/);
    // Two runs now share the name: each row adds its creation time, so they read differently.
    const oomRow = treeRows(vs, 'Runs', runDisplayName('oom run', oom.record.createdAt, true)).first();
    const resumedRow = treeRows(vs, 'Runs', runDisplayName('oom run', resumed.record.createdAt, true)).first();
    await oomRow.waitFor();
    await resumedRow.waitFor();
    // The new run is added below (oldest first), so the row under the cursor stays the one clicked; it is selected.
    await resumedRow.and(vs.page.locator('[aria-selected="true"]')).waitFor();
    const rowTexts = await pane(vs, 'Runs').locator('.monaco-list-row').allTextContents();
    const rowOf = (name: string) => rowTexts.findIndex((t) => t.includes(name));
    assert.ok(
      rowOf(runDisplayName('oom run', oom.record.createdAt, true)) < rowOf(runDisplayName('oom run', resumed.record.createdAt, true)),
      rowTexts.join(' | '),
    );
    step('resume from checkpoint-10');

    // --- Open Console Log from the run's context menu.
    await vs.contextMenu(oomRow, 'Open Console Log');
    await vs.activeTab.filter({ hasText: 'console.log' }).waitFor();
    // It opens at the end, like `tail`: the launcher's last words are in view.
    await vs.waitForEditorText(/returned non-zero exit status 1/);
    await vs.runCommand('View: Close All Editors');
    step('open console log');

    // --- Open in TensorBoard with no Python extension: the command is copied, quoted, and said so.
    await vs.contextMenu(oomRow, 'Open in TensorBoard');
    const logDir = join(oom.record.outputDir ?? join(ws, 'output', 'oom'), 'logs');
    const note = await vs.waitForNotification('to the clipboard');
    assert.ok(note.includes(`tensorboard --logdir ${logDir}`) || note.includes(`tensorboard --logdir '${logDir}'`), note);
    step('open in TensorBoard');

    // --- Reveal Output: the Explorer shows the run's output_dir, selected.
    await vs.contextMenu(oomRow, 'Reveal Output');
    // Exactly the folder named oom (not oom.sdxl.json, nor the record folder …-oom-run).
    await vs.page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"] .label-name', { hasText: /^oom$/ }).waitFor();
    await vs.runCommand('SDXL: Focus on Runs View');
    step('reveal output');

    // --- The dashboard's Open on a checkpoint: the host confines the path to the run's folders, then reveals it.
    const ckptDash = await openDashboardFromRow(vs, oomRow);
    await ckptDash.locator('vscode-tab-header', { hasText: 'GPU' }).click();
    await ckptDash.locator('vscode-button[aria-label="Open checkpoint at step 20"]').click();
    await vs.page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"] .label-name', { hasText: /^checkpoint-20$/ }).waitFor();
    await vs.runCommand('View: Close All Editors');
    await vs.runCommand('SDXL: Focus on Runs View');
    step('dashboard → reveal checkpoint');

    // --- Delete Record: a modal question first; then the record folder and its row go, the output stays.
    const before = runRecords(ws).length;
    await vs.contextMenu(oomRow, 'Delete Record');
    const question = await vs.answerDialog('Delete Record');
    assert.match(question, new RegExp(`Delete the record of run ${oom.record.id}\\?`));
    await until('the record folder to be removed', 15_000, async () => (existsSync(oom.dir) ? undefined : true));
    assert.equal(runRecords(ws).length, before - 1);
    assert.ok(existsSync(oom.record.outputDir ?? join(ws, 'output', 'oom')), 'the output_dir is kept');
    // The deleted run's row goes; the one left no longer shares its name, so it loses the time.
    await oomRow.waitFor({ state: 'detached' });
    await until('one "oom run" row, without a time', 15_000, async () => {
      const rows = await treeRows(vs, 'Runs', 'oom run').allTextContents();
      return rows.length === 1 && !rows[0]!.includes(' · ') ? true : undefined;
    });
    await vs.screenshot('run-actions');
    step('delete record');

    // --- A start that preflight refuses: one sentence, the actions, and Open Config at the setting concerned.
    writeFileSync(
      join(ws, 'broken.sdxl.json'),
      [
        '{',
        '  "script": "lora",',
        '  "name": "broken run",',
        '  "launch": {',
        '    "python": "/nonexistent/venv/bin/python",',
        '    "scriptPath": "train_text_to_image_lora_sdxl.py"',
        '  },',
        '  "args": { "pretrained_model_name_or_path": "x", "train_data_dir": "./data", "output_dir": "./output/broken" }',
        '}',
        '',
      ].join('\n'),
    );
    await vs.runCommand('View: Close All Editors');
    await vs.runCommand('Notifications: Clear All Notifications');
    await vs.runCommand('SDXL: Start Training Run');
    await vs.pick('broken.sdxl.json');
    const refused = vs.notification('Cannot start the run');
    await refused.waitFor();
    const said = (await refused.locator('.notification-list-item-message').textContent()) ?? '';
    assert.equal(
      said,
      'SDXL: Cannot start the run: executable /nonexistent/venv/bin/accelerate does not exist; ' +
        'check launch.accelerate / launch.python in the config or activate the Python environment.',
    );
    await refused.locator('.monaco-button', { hasText: 'Select Python Interpreter' }).waitFor();
    await refused.locator('.monaco-button', { hasText: 'Open Config' }).click();
    await vs.activeTab.filter({ hasText: 'broken.sdxl.json' }).waitFor();
    await vs.statusBarItem('Ln 5, Col 5').first().waitFor();
    assert.ok(!runRecords(ws).some((r) => r.record.name === 'broken run'), 'nothing recorded for a refused start');
    step('refused start');
  });
  clock.report('run actions');
});
