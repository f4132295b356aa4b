// The first five minutes in code-server: the walkthrough opens (workbench.action.openWalkthrough with
// `<publisher>.<name>#<id>`, through "SDXL: Open Walkthrough") and shows its five steps; its "New Training Config"
// link offers LoRA first, the 8 GB LoRA preset with its memory estimate, the new config opens as a kept editor that a
// file opened next (a preview) does not replace, and the step is then marked done.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode, type VsCode } from './harness.js';

const STEPS = ['Set up the training environment', 'Create a training config', 'Check your dataset', 'Start your first run', 'Watch it in the dashboard'];
const NEW_FILE = 'lora-8gb.sdxl.json';

async function waitForQuickInputTitle(vs: VsCode, title: RegExp): Promise<void> {
  await vs.page.locator('.quick-input-widget .quick-input-title').filter({ hasText: title }).waitFor();
}

/** The editor tab of `name`; a preview tab's label is in italics. */
function tab(vs: VsCode, name: string) {
  return vs.page.locator('.part.editor .tabs-container .tab').filter({ hasText: name });
}

test('walkthrough: opens with its five steps; New Config from it offers LoRA first and opens a kept editor', async () => {
  // Like config.e2e.ts: the preset's python3 has no torch here, and this spec is not about the environment probe.
  const prepareWorkspace = async (ws: string): Promise<void> => {
    const file = join(ws, '.vscode', 'settings.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\{/, '{\n  "sdxl.environment.probeInBackground": false,'));
  };
  await withVsCode('walkthrough', { prepareWorkspace }, async (vs) => {
    await vs.waitForCommand('SDXL: Open Walkthrough');
    await vs.closeQuickInput();
    await vs.runCommand('SDXL: Open Walkthrough');
    const page = vs.page.locator('.part.editor .gettingStartedContainer');
    await page.getByText('Fine-tune SDXL in VS Code').first().waitFor();
    for (const title of STEPS) await page.getByText(title, { exact: true }).first().waitFor();
    await vs.screenshot('walkthrough');

    // The config step's button starts New Training Config, LoRA first. Cancelled: the step is not done by that.
    await page.getByText('Create a training config', { exact: true }).first().click();
    await page.getByRole('button', { name: 'New Training Config' }).first().click();
    await waitForQuickInputTitle(vs, /which script/);
    const labels = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row .label-name');
    await labels.first().waitFor();
    assert.equal((await labels.first().textContent())?.trim(), 'lora');
    await vs.closeQuickInput();
    // Again from the button, the whole way: each question stays open while the walkthrough page has the focus.
    await page.getByRole('button', { name: 'New Training Config' }).first().click();
    await waitForQuickInputTitle(vs, /which script/);
    await labels.first().waitFor();
    assert.equal((await labels.first().textContent())?.trim(), 'lora');
    await vs.pick('lora', { filter: false });
    await waitForQuickInputTitle(vs, /preset by GPU memory/);
    const preset = vs.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: 'LoRA, 8 GB card' }).first();
    await preset.waitFor();
    assert.match((await preset.getAttribute('aria-label')) ?? '', /Estimated peak [\d.]+ GiB of 8 GB: SDXL base 1\.0 weights/);
    await vs.screenshot('walkthrough-presets');
    // With the mouse, as a user does: started from the walkthrough, the page keeps the keyboard focus once the first
    // question closes, so the next questions stay open (ignoreFocusOut) but Enter would go to the page (known gap).
    await preset.click();
    await waitForQuickInputTitle(vs, /file name/);
    assert.equal(await vs.quickInput.inputValue(), NEW_FILE);
    await vs.quickInput.click();
    await vs.page.keyboard.press('Enter');
    await vs.activeTab.filter({ hasText: NEW_FILE }).waitFor();
    await vs.waitForEditorText(/"resolution": 512/);
    assert.equal(await tab(vs, NEW_FILE).locator('.italic').count(), 0, 'the new config is not a preview tab');

    // A file opened next through Quick Open (a preview) does not replace it.
    await vs.openFile('README.md');
    await tab(vs, 'README.md').first().waitFor();
    assert.equal(await tab(vs, NEW_FILE).count(), 1, 'the new config is still open');
    await vs.screenshot('walkthrough-kept-editor');

    // The config step is marked done once New Config has written a config (the cancel above did not); the
    // environment step, not run, is not.
    await vs.runCommand('SDXL: Open Walkthrough');
    const done = (title: string) => page.locator('.getting-started-step').filter({ hasText: title }).locator('.codicon.complete');
    await done('Create a training config').first().waitFor();
    assert.equal(await done('Set up the training environment').count(), 0);
    await vs.screenshot('walkthrough-step-done');
  });
});
