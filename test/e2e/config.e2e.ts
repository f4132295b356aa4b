// The training-config features end to end, in one code-server session: create a config with the command, set an
// argument with "Configure Argument…", completion offers the script's arguments (and only those), a hover shows the
// help, a problem shows in the Problems panel and its quick fix applies, an unknown key is reported once, a key written
// twice is an error, "Show Launch Command" shows and copies the command, and "New Config from Command Line…" imports
// the README's multi-line command pasted into the document it opens.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { StepClock, until } from './processes.js';
import { REPO_ROOT, withVsCode, type Problem, type VsCode } from './harness.js';

const LORA_FILE = 'lora-12gb.sdxl.json';
// The import proposes `<script>.sdxl.json`; the workspace template has a lora.sdxl.json, so it is named otherwise.
const IMPORT_DEFAULT_NAME = 'lora.sdxl.json';
const IMPORTED_FILE = 'naruto-lora.sdxl.json';
// The LoRA command of the diffusers README (examples/text_to_image/README_sdxl.md), as a user copies it.
const README_LORA = readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'commands', 'readme-lora-sdxl.sh'), 'utf8');

/** Pick the quick pick row whose label is exactly `label` (filtering first), not one that merely mentions it. */
async function pickLabel(vs: VsCode, label: string, filter = label): Promise<void> {
  await vs.quickInput.waitFor({ state: 'visible' });
  await vs.quickInput.fill(filter);
  const exact = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = vs.page
    .locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: vs.page.locator('.label-name').filter({ hasText: exact }) })
    .first();
  await row.waitFor();
  await vs.pickRow(row);
}

/** Wait for the quick input to show `title` (the next step of a multi-step command). */
async function waitForQuickInputTitle(vs: VsCode, title: string | RegExp): Promise<void> {
  await vs.page.locator('.quick-input-widget .quick-input-title').filter({ hasText: title }).waitFor();
}

const sdxlIn = (file: string) => (p: Problem) => p.file === file && p.source === 'sdxl';

/** Open a new line right after the line holding `anchor` and leave the cursor at its start. */
async function newLineAfter(vs: VsCode, anchor: string): Promise<void> {
  await vs.selectInEditor(anchor);
  await vs.page.keyboard.press('End');
  await vs.page.keyboard.press('Enter');
}

/**
 * Replace the typed filter `typed` (after the opening quote) by `next` in the open suggest widget and return the labels
 * once the list is filtered to it: `before` (the label the old filter found) is gone and two looks in a row agree.
 * (Monaco's matching forgives missing and swapped letters, so the rows need not all contain `next`; an exact match
 * would be ranked first, so it would be among the rendered rows.)
 */
async function refilterSuggest(vs: VsCode, typed: string, before: string, next: string): Promise<string[]> {
  for (let i = 0; i < typed.length; i++) await vs.page.keyboard.press('Backspace');
  await vs.page.keyboard.type(next);
  let last: string | undefined;
  return until(
    `the suggestions filtered to "${next}"`,
    15_000,
    async () => {
      const labels = await vs.suggestLabels();
      const key = labels.join('\n');
      const settled = key === last;
      last = key;
      return settled && !labels.includes(before) ? labels : undefined;
    },
    200,
  );
}

/** Like refilterSuggest, for a filter whose list is known by a label it must show (`shown`) once refiltered. */
async function refilterUntilShown(vs: VsCode, typed: string, next: string, shown: string): Promise<string[]> {
  for (let i = 0; i < typed.length; i++) await vs.page.keyboard.press('Backspace');
  await vs.page.keyboard.type(next);
  let last: string | undefined;
  return until(
    `the suggestions filtered to "${next}"`,
    15_000,
    async () => {
      const labels = await vs.suggestLabels();
      const key = labels.join('\n');
      const settled = key === last;
      last = key;
      return settled && labels.includes(shown) ? labels : undefined;
    },
    200,
  );
}

/** Close the suggest widget and delete the current (scratch) line. */
async function dropScratchLine(vs: VsCode): Promise<void> {
  await vs.page.keyboard.press('Escape');
  await vs.suggestWidget.waitFor({ state: 'hidden' });
  await vs.page.keyboard.press('Control+Shift+K');
}

test('training configs: new, configure, complete, hover, problem + quick fix, launch command, import', async () => {
  const clock = new StepClock();
  const step = (name: string) => clock.step(name);
  // The presets' launch.python is python3, which on a test machine has no torch: with the background probe on, the new
  // config would rightly show env-missing-package errors. This spec is about the config itself (environment.e2e.ts
  // covers those diagnostics), so its workspace turns the probe off.
  const prepareWorkspace = async (ws: string): Promise<void> => {
    const file = join(ws, '.vscode', 'settings.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\{/, '{\n  "sdxl.environment.probeInBackground": false,'));
  };
  await withVsCode('config', { prepareWorkspace }, async (vs) => {
    clock.restart();
    // --- New Training Config…: lora → 12 GB preset → default file name.
    await vs.runCommand('SDXL: New Training Config…');
    await waitForQuickInputTitle(vs, /which script/);
    await pickLabel(vs, 'lora');
    await waitForQuickInputTitle(vs, /preset by GPU memory/);
    await vs.pick('12 GB');
    await waitForQuickInputTitle(vs, /file name/);
    assert.equal(await vs.quickInput.inputValue(), LORA_FILE);
    await vs.page.keyboard.press('Enter');
    await vs.activeTab.filter({ hasText: LORA_FILE }).waitFor();
    await vs.waitForEditorText(/"script": "lora"/);
    const created = await readFile(join(vs.workspace, LORA_FILE), 'utf8');
    assert.match(created, /"rank": 4,/);
    assert.match(created, /"pretrained_vae_model_name_or_path": "madebyollin\/sdxl-vae-fp16-fix"/);
    // "Validate Config" says so when the preset has no problem; the Problems panel agrees (no sdxl marker on it).
    await vs.runCommand('SDXL: Validate Config');
    await vs.notification(`${LORA_FILE}: no problems found`).waitFor();
    await vs.runCommand('Notifications: Clear All Notifications');
    const initial = await vs.problems();
    assert.deepEqual(
      initial.filter((p) => p.file === LORA_FILE && (p.source === 'sdxl' || p.severity === 'error')),
      [],
    );
    await vs.focusEditor();
    // The memory estimate CodeLens sits above "args".
    const lens = vs.page
      .locator('.part.editor .monaco-editor .codelens-decoration')
      .filter({ hasText: /Estimated peak GPU memory: [\d.]+ GiB/ })
      .first();
    await lens.waitFor();
    const lensGiB = /([\d.]+) GiB/.exec((await lens.textContent()) ?? '')![1];
    await vs.screenshot('editor');
    // Clicking it shows the breakdown as a read-only preview, with the same total; nothing unsaved is left behind.
    await lens.locator('a').first().click();
    const preview = await vs.webviewFrame('h1');
    assert.equal(await preview.locator('h1').first().textContent(), `Estimated peak GPU memory: ${lensGiB} GiB`);
    assert.ok((await preview.locator('table tr').count()) > 3, 'a row per part of the estimate');
    await vs.runCommand('View: Close Editor');
    assert.equal(await vs.page.locator('.part.editor .tab.dirty').count(), 0, 'no unsaved editor');
    await vs.activeTab.filter({ hasText: LORA_FILE }).waitFor();
    step('new config');

    // --- Configure Argument…: rank → 32, as one undo step.
    await vs.runCommand('SDXL: Configure Argument…');
    await waitForQuickInputTitle(vs, /Configure argument/);
    await pickLabel(vs, 'rank');
    await waitForQuickInputTitle(vs, /^rank — default 4/);
    assert.equal(await vs.quickInput.inputValue(), '4');
    await vs.answerInput('32');
    await vs.waitForDirty(true);
    await vs.waitForEditorText(/"rank": 32,/);
    await vs.focusedEditor.waitFor();
    await vs.page.keyboard.press('Control+Z');
    await vs.waitForDirty(false); // one undo returns to the saved text: the edit was one step
    await vs.selectInEditor('"rank": 4,'); // undo put the cursor back at the top: find the line instead of looking
    await vs.page.keyboard.press('Control+Shift+Z');
    await vs.waitForDirty(true);
    await vs.selectInEditor('"rank": 32,');
    await vs.save();
    assert.match(await readFile(join(vs.workspace, LORA_FILE), 'utf8'), /"rank": 32,/);
    // A number is written as typed: 5e-5 stays 5e-5 (it was written back as 0.00005).
    await vs.runCommand('SDXL: Configure Argument…');
    await waitForQuickInputTitle(vs, /Configure argument/);
    await pickLabel(vs, 'learning_rate');
    await waitForQuickInputTitle(vs, /^learning_rate — default/);
    await vs.answerInput('5e-5');
    await vs.waitForEditorText(/"learning_rate": 5e-5,/);
    await vs.save();
    assert.match(await readFile(join(vs.workspace, LORA_FILE), 'utf8'), /"learning_rate": 5e-5,/);
    step('configure argument');

    // --- Completion inside "args" offers the LoRA script's arguments.
    await newLineAfter(vs, '"args": {');
    await vs.page.keyboard.type('"');
    await vs.triggerSuggest();
    await vs.page.keyboard.type('train_text_en');
    await until('train_text_encoder in the suggestions', 15_000, async () => ((await vs.suggestLabels()).includes('train_text_encoder') ? true : undefined));
    // ...and not the full script's use_ema.
    const loraEma = await refilterSuggest(vs, 'train_text_en', 'train_text_encoder', 'use_ema');
    assert.ok(!loraEma.includes('use_ema'), `lora script suggestions include use_ema: ${loraEma.join(', ')}`);
    // The same refiltering does find a LoRA-only argument that is not set yet (so the check above can fail).
    const loraDebug = await refilterSuggest(vs, 'use_ema', 'train_text_encoder', 'debug_loss');
    assert.ok(loraDebug.includes('debug_loss'), `lora script suggestions lack debug_loss: ${loraDebug.join(', ')}`);
    await dropScratchLine(vs);
    await vs.save();
    step('completion (lora)');

    // --- Hover on a key shows the argument's help.
    await vs.selectInEditor('"learning_rate"');
    const hover = await vs.hoverToken('"learning_rate"', 'Initial learning rate');
    assert.match(hover, /Initial learning rate \(after the potential warmup period\)/);
    await vs.page.mouse.move(5, 5);
    await vs.page.keyboard.press('Escape');
    step('hover');

    // --- A problem: resolution 1001 is not a multiple of 8 → sdxl warning in the Problems panel → its quick fix.
    await vs.selectInEditor('"resolution": 1024');
    await vs.page.keyboard.type('"resolution": 1001');
    const isResolution = (p: Problem) => sdxlIn(LORA_FILE)(p) && /resolution 1001 is not a multiple of 8/.test(p.message);
    const problems = await vs.waitForProblems('the resolution warning', (p) => p.some(isResolution));
    const warning = problems.find(isResolution)!;
    assert.equal(warning.severity, 'warning');
    assert.equal(warning.code, 'resolution-multiple-of-8');
    await vs.screenshot('problems');
    await vs.applyQuickFix('resolution 1001 is not a multiple of 8', 'Set resolution to 1024');
    await vs.waitForEditorText(/"resolution": 1024,/);
    await vs.waitForProblems('the resolution warning to go', (p) => !p.some(isResolution));
    await vs.focusEditor();
    await vs.save();
    assert.match(await readFile(join(vs.workspace, LORA_FILE), 'utf8'), /"resolution": 1024,/);
    step('problem + quick fix');

    // --- An unknown key is one entry in Problems: ours, with its "did you mean", not also the schema's "Property …
    // is not allowed". A string for an integer on the same line makes VS Code's JSON validation report too (its
    // "Incorrect type"), so once that shows, the schema's verdict on the unknown key is in as well.
    await newLineAfter(vs, '"args": {');
    await vs.page.keyboard.type('"lerning_rate": 1e-4, "dataloader_num_workers": "2",');
    const seen = await vs.waitForProblems(
      "the typo and the JSON validation's type error",
      (p) =>
        p.some((x) => sdxlIn(LORA_FILE)(x) && /lerning_rate/.test(x.message)) &&
        p.some((x) => x.file === LORA_FILE && x.source !== 'sdxl' && /Incorrect type/i.test(x.message)),
    );
    const aboutTypo = seen.filter((x) => x.file === LORA_FILE && /lerning_rate/.test(x.message));
    assert.equal(aboutTypo.length, 1, `one report of the unknown key: ${JSON.stringify(aboutTypo)}`);
    assert.match(aboutTypo[0]!.message, /did you mean "learning_rate"/);
    await vs.focusEditor();
    await vs.page.keyboard.press('Control+Shift+K');
    await vs.waitForProblems('the typo to go', (p) => !p.some((x) => x.file === LORA_FILE && /lerning_rate/.test(x.message)));
    await vs.focusEditor();
    await vs.save();
    step('unknown key reported once');

    // --- A key written twice: JSON keeps the last one silently, so ours is an error on the ignored one (checked in the
    // extension's validation worker thread, as every diagnostic here).
    await newLineAfter(vs, '"args": {');
    await vs.page.keyboard.type('"seed": 1, "seed": 2,');
    const isDuplicate = (p: Problem) => sdxlIn(LORA_FILE)(p) && /^Duplicate key "seed" in "args": only the last one/.test(p.message);
    const duplicate = (await vs.waitForProblems('the duplicate key error', (p) => p.some(isDuplicate))).find(isDuplicate)!;
    assert.equal(duplicate.severity, 'error');
    assert.equal(duplicate.code, 'duplicate-key');
    await vs.focusEditor();
    await vs.page.keyboard.press('Control+Shift+K');
    await vs.waitForProblems('the duplicate key error to go', (p) => !p.some(isDuplicate));
    await vs.focusEditor();
    await vs.save();
    step('duplicate key');

    // --- Show Launch Command: a webview with the bash command, and a Copy button that copies it: what Start runs, in
    // the config's folder with its environment (issue 8, item 14: the folder and environment were left out).
    await vs.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${vs.port}` });
    await vs.runCommand('SDXL: Show Launch Command');
    const frame = await vs.webviewFrame('pre[data-command="bash"]');
    const bash = (await frame.locator('pre[data-command="bash"]').textContent()) ?? '';
    assert.match(bash, /^cd \S.* && \\\nPYTHONUNBUFFERED=1 accelerate launch /);
    assert.ok(bash.includes(vs.workspace), `the working folder ${vs.workspace} is in ${bash}`);
    assert.match(bash, /train_text_to_image_lora_sdxl\.py/);
    assert.match(bash, /--rank 32\b/);
    assert.match(bash, /--resolution 1024\b/);
    await vs.runCommand('View: Hide Panel'); // room for the whole command in the screenshot
    await vs.page.locator('.markers-panel').waitFor({ state: 'hidden' });
    await vs.screenshot('launch-command');
    await frame.locator('button[data-shell="bash"]').click();
    await vs.statusBarItem('Copied the bash launch command').waitFor();
    const clip = await vs.page.evaluate(() => navigator.clipboard.readText());
    assert.equal(clip, bash);
    step('launch command');

    // --- New Config from Command Line…: a document to paste the README's multi-line command into (no clipboard read,
    // no one-line input box), then its "Import Command Line" CodeLens. Focus back in the workbench first: the Copy
    // click left it in the launch command's webview.
    await vs.runCommand('View: Focus First Editor Group');
    await vs.focusedEditor.waitFor();
    await vs.runCommand('SDXL: New Config from Command Line…');
    await vs.activeTab.filter({ hasText: 'Untitled' }).waitFor();
    await vs.waitForEditorText(/^# SDXL: New Config from Command Line/);
    await vs.focusEditor();
    await vs.page.keyboard.press('Control+End');
    await vs.page.evaluate((text) => navigator.clipboard.writeText(text), README_LORA);
    await vs.page.keyboard.press('Control+V');
    await vs.waitForEditorText(/--push_to_hub/);
    await vs.screenshot('import-command-line');
    const importLens = vs.page.locator('.part.editor .monaco-editor .codelens-decoration').filter({ hasText: 'Import Command Line' }).first();
    await importLens.locator('a').first().click();
    // The command names its script, so the file name is the only question: no "(3/3)" of steps never shown.
    await waitForQuickInputTitle(vs, /file name/);
    assert.equal((await vs.page.locator('.quick-input-widget .quick-input-title').textContent())?.trim(), 'New config from command line: file name');
    assert.equal(await vs.quickInput.inputValue(), IMPORT_DEFAULT_NAME);
    await vs.answerInput(IMPORTED_FILE);
    await vs.activeTab.filter({ hasText: IMPORTED_FILE }).waitFor();
    const imported = await readFile(join(vs.workspace, IMPORTED_FILE), 'utf8');
    assert.match(imported, /"script": "lora"/);
    assert.match(imported, /"pretrained_model_name_or_path": "stabilityai\/stable-diffusion-xl-base-1\.0"/); // from its export line
    assert.match(imported, /"dataset_name": "lambdalabs\/naruto-blip-captions"/);
    // num_train_epochs has no argparse help (this import crashed on it); the config still explains it.
    assert.match(imported, /\/\/ Number of passes over the training data[^\n]*\n\s*"num_train_epochs": 2,/);
    assert.match(imported, /"push_to_hub": true/);
    // The scratch document was closed after the import, with no "save changes?" dialog left open.
    await vs.page.locator('.part.editor .tabs-container .tab').filter({ hasText: 'Untitled' }).waitFor({ state: 'detached' });
    assert.equal(await vs.page.locator('.monaco-dialog-box').count(), 0);
    step('import command line');

    // --- Completion follows "script": switched to the full script, the config is offered its timestep_bias_strategy,
    // not the LoRA-only rank; and never the launcher's local_rank.
    await vs.selectInEditor('"script": "lora"');
    await vs.page.keyboard.type('"script": "full"');
    await vs.waitForEditorText(/"script": "full"/);
    await newLineAfter(vs, '"args": {');
    await vs.page.keyboard.type('"');
    await vs.triggerSuggest();
    await vs.page.keyboard.type('timestep_bias_st');
    await until('timestep_bias_strategy in the suggestions', 15_000, async () =>
      (await vs.suggestLabels()).includes('timestep_bias_strategy') ? true : undefined,
    );
    const fullRank = await refilterSuggest(vs, 'timestep_bias_st', 'timestep_bias_strategy', 'rank');
    assert.ok(!fullRank.includes('rank'), `full script suggestions include rank: ${fullRank.join(', ')}`);
    // "lo" finds logging_dir (so the list is the refiltered one), and would rank local_rank beside it.
    const lo = await refilterUntilShown(vs, 'rank', 'lo', 'logging_dir');
    assert.ok(!lo.includes('local_rank'), `suggestions include local_rank: ${lo.join(', ')}`);
    await vs.page.keyboard.press('Escape');
    await vs.page.keyboard.press('Control+Shift+K');
    await vs.waitForEditorText(/"args": \{\n\s*\/\/ /); // the scratch line is gone
    step('completion (full)');
  });
  clock.report('config');
});
