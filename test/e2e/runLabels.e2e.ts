// Runs you can tell apart (issue 13, part B), in code-server: three finished runs planted in `.sdxl/runs/`; one is
// renamed and tagged from the Runs view's context menu (written to its labels.json, not run.json), the view is
// filtered by the tag, a run quick pick finds it by the tag, and after "Reload Window" the new name and the filter are
// still there; Clear Filter brings the other runs back.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { REPO_ROOT, withVsCode } from './harness.js';
import { until } from './processes.js';
import { pane, treeRows } from './standin.js';

const RUNS = [
  { id: '20261101-100000-alpha-lora', name: 'alpha lora', at: '2026-11-01T10:00:00.000Z' },
  { id: '20261101-110000-beta-lora', name: 'beta lora', at: '2026-11-01T11:00:00.000Z' },
  { id: '20261101-120000-gamma-lora', name: 'gamma lora', at: '2026-11-01T12:00:00.000Z' },
];
const NEW_NAME = 'beta rank 32 sharp hands';
const TAG = 'keeper';
const CLI_NAME = 'alpha renamed in a terminal';

/** A finished run's record folder, as the wrapper leaves it: run.json, exit.json and a console. */
function plantFinished(ws: string, run: (typeof RUNS)[number]): void {
  const dir = join(ws, '.sdxl', 'runs', run.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ended = new Date(Date.parse(run.at) + 600_000).toISOString();
  const record = {
    id: run.id,
    name: run.name,
    script: 'lora',
    configPath: join(ws, 'lora.sdxl.json'),
    plan: { argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--output_dir', join(ws, 'out', run.id)], env: {}, cwd: ws, script: 'lora' },
    outputDir: join(ws, 'out', run.id),
    createdAt: run.at,
    startedAt: run.at,
    endedAt: ended,
    state: 'succeeded',
    exitCode: 0,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: ended }), { mode: 0o600 });
  writeFileSync(join(dir, 'console.log'), 'Steps: 100%|##########| 10/10 [00:10<00:00, 1.00it/s, lr=0.0001, step_loss=0.1]\n', { mode: 0o600 });
}

const labelsOf = (ws: string, id: string) => {
  const path = join(ws, '.sdxl', 'runs', id, 'labels.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { name?: string; tags: string[] }) : undefined;
};

test('rename and tag a run, filter the Runs view by the tag, and see both after a reload', { timeout: 300_000 }, async () => {
  let ws = '';
  await withVsCode(
    'run-labels',
    {
      prepareWorkspace: async (w) => {
        ws = w;
        for (const r of RUNS) plantFinished(w, r);
      },
    },
    async (vs) => {
      await vs.runCommand('SDXL: Focus on Runs View');
      for (const r of RUNS) await treeRows(vs, 'Runs', r.name).first().waitFor({ timeout: 60_000 });

      // Rename from the row's context menu.
      await vs.contextMenu(treeRows(vs, 'Runs', 'beta lora').first(), 'Rename Run…');
      await vs.answerInput(NEW_NAME);
      await treeRows(vs, 'Runs', NEW_NAME).first().waitFor({ timeout: 30_000 });
      assert.equal(labelsOf(ws, RUNS[1]!.id)?.name, NEW_NAME);
      assert.equal(JSON.parse(readFileSync(join(ws, '.sdxl', 'runs', RUNS[1]!.id, 'run.json'), 'utf8')).name, 'beta lora', 'run.json is left alone');

      // Tag it: a new tag typed into the tags pick.
      await vs.contextMenu(treeRows(vs, 'Runs', NEW_NAME).first(), 'Edit Run Tags…');
      await vs.answerInput(TAG);
      await until('the tag in labels.json', 15_000, async () => (labelsOf(ws, RUNS[1]!.id)?.tags.includes(TAG) ? true : undefined), 200);

      // Filter the view by the tag: only the tagged run stays, and the view says what it is filtered by.
      await vs.runCommand('SDXL: Filter Runs…');
      await vs.pick(`#${TAG}`);
      await until('the filter to hide the other runs', 15_000, async () => ((await treeRows(vs, 'Runs', 'alpha lora').count()) === 0 ? true : undefined), 200);
      await treeRows(vs, 'Runs', NEW_NAME).first().waitFor();
      const header = await pane(vs, 'Runs').locator('.pane-header').first().textContent();
      assert.match(header ?? '', new RegExp(`#${TAG}`), `the Runs view's description names the filter: ${header}`);

      // A run quick pick finds the run by its tag (matchOnDetail) and its id (matchOnDescription).
      await vs.runCommand('SDXL: Open Console Log');
      await vs.quickInput.fill(`#${TAG}`);
      await vs.quickPickRows(NEW_NAME).first().waitFor({ timeout: 15_000 });
      assert.equal(await vs.quickPickRows('alpha lora').count(), 0);
      await vs.quickInput.fill('120000-gamma');
      await vs.quickPickRows('gamma lora').first().waitFor({ timeout: 15_000 });
      await vs.closeQuickInput();
      await vs.screenshot('run-labels-filtered');

      // After a reload: the new name, the tag and the filter are all still there.
      await vs.reloadWindow();
      await vs.runCommand('SDXL: Focus on Runs View');
      await treeRows(vs, 'Runs', NEW_NAME).first().waitFor({ timeout: 60_000 });
      assert.equal(await treeRows(vs, 'Runs', 'alpha lora').count(), 0, 'the filter is kept across the reload');
      await vs.screenshot('run-labels-after-reload');

      await vs.runCommand('SDXL: Clear Filter');
      await treeRows(vs, 'Runs', 'alpha lora').first().waitFor({ timeout: 15_000 });
      await treeRows(vs, 'Runs', 'gamma lora').first().waitFor();
      assert.equal(await treeRows(vs, 'Runs', 'beta lora').count(), 0, 'the old name is gone everywhere in the view');

      // A rename of an ended run from a terminal (the CLI, another process) shows in the open window by itself, with
      // no Refresh Runs: the CLI rewrites the records folder's labels stamp, which the window's records watch reads.
      const cli = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'dist', 'cli.js'), 'run', 'label', RUNS[0]!.id, '--name', CLI_NAME], {
        cwd: ws,
      });
      assert.equal(labelsOf(ws, RUNS[0]!.id)?.name, CLI_NAME, cli.stderr);
      await treeRows(vs, 'Runs', CLI_NAME).first().waitFor({ timeout: 30_000 });
      assert.equal(await treeRows(vs, 'Runs', 'alpha lora').count(), 0, 'the old name is gone from the view');
    },
  );
});
