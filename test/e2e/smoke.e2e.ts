// Smoke test: the packaged extension installs into a real VS Code, and its entry command reaches the palette.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { withVsCode } from './harness.js';

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
  });
});
