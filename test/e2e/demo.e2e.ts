// The README's demo workspace, prepared by the same script `npm run demo` uses: its config starts a simulated run that the status bar labels as a simulation; Stop ends it.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT, withVsCode } from './harness.js';
import { until } from './processes.js';
import { prepareStandinWorkspace, runRecords, waitForRecord } from './standin.js';

/**
 * The demo workspace opens its README as a Markdown preview at start-up (`workbench.startupEditor`). Whether and when
 * that happens depends on the machine's load, and the preview takes focus once loaded, which closes a command palette
 * opened just before (seen in CI). This spec is about the run, so the copy it uses opens no start-up editor.
 */
async function prepareDemo(workspace: string): Promise<void> {
  await prepareStandinWorkspace(workspace);
  const file = join(workspace, '.vscode', 'settings.json');
  const settings = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  assert.equal(settings['workbench.startupEditor'], 'readme', 'the demo workspace opens its README');
  await writeFile(file, JSON.stringify({ ...settings, 'workbench.startupEditor': 'none' }, null, 2));
}

test('demo: the sample workspace starts a simulated run, labelled as such, and stops it', async () => {
  await withVsCode('demo', { workspaceTemplate: join(REPO_ROOT, 'demo-workspace'), prepareWorkspace: prepareDemo }, async (vs) => {
    // The only config in the workspace: Start takes it without asking.
    await vs.runCommand('SDXL: Start Training Run');
    await waitForRecord(vs.workspace, 'the demo run to start', () => true, 60_000);
    const item = vs.statusBarItem('SDXL SIMULATION').first();
    const text = await until(
      'the status bar to show the simulated run training',
      60_000,
      async () => {
        const t = (await item.isVisible()) ? ((await item.textContent()) ?? '') : '';
        const m = /(\d+)\/400/.exec(t);
        return m && Number(m[1]) >= 1 ? t : undefined;
      },
      100,
    );
    assert.match(text, /SDXL SIMULATION \d+\/400/);
    await vs.screenshot('running');
    const run = runRecords(vs.workspace)[0]!;
    assert.equal(run.record.name, 'squares LoRA (simulation)');
    await vs.runCommand('SDXL: Stop Run');
    await waitForRecord(vs.workspace, 'the demo run to stop', (r) => r.id === run.record.id && r.state === 'stopped', 60_000);
    await item.waitFor({ state: 'hidden' });
  });
});
