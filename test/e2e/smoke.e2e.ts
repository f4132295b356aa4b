// Smoke test: the packaged extension installs into a real VS Code, and its entry command reaches the palette.
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode } from './harness.js';
import { pane, treeRows } from './standin.js';

const NEW_CONFIG = 'SDXL: New Training Config…';

test('the packaged extension installs and contributes "SDXL: New Training Config…"', async () => {
  await withVsCode('smoke', {}, async (vs) => {
    // --install-extension unpacked the .vsix into this instance's own extensions dir.
    const installed = await readdir(vs.extensionsDir);
    assert.ok(
      installed.some((d) => d.startsWith('sdxl-trainer.sdxl-trainer-')),
      `installed: ${installed.join(', ')}`,
    );

    // The workspace copy is open: its sample config shows in the Explorer.
    await vs.runCommand('View: Show Explorer');
    await vs.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: 'lora.sdxl.json' }).waitFor();
    await vs.screenshot('workbench');

    // Extensions are scanned after the workbench shows: waitForCommand waits for the command itself.
    const row = await vs.waitForCommand(NEW_CONFIG);
    assert.match((await row.textContent()) ?? '', /New Training Config/);
    await vs.screenshot('palette');
    await vs.closeQuickInput();

    // The side bar: the config listed; no runs, which the Runs view's welcome says once it has read the runs (before
    // that it says it is reading them). With the config removed, the Configs view says there are none, never before.
    await vs.runCommand('SDXL: Focus on Configs View');
    await treeRows(vs, 'Configs', 'lora.sdxl.json').first().waitFor({ timeout: 60_000 });
    await pane(vs, 'Runs').getByText('No training runs yet.').first().waitFor({ timeout: 60_000 });
    await rm(join(vs.workspace, 'lora.sdxl.json'));
    await pane(vs, 'Configs').getByText('No SDXL training configs in this workspace yet.').first().waitFor({ timeout: 60_000 });
  });
});
