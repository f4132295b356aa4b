// Generate Samples in code-server with the REAL worker (issue 14, part J): a real tiny DreamBooth LoRA training (4
// steps, checkpoints every 2, no validation: diffusers v0.27.2 on CPU with the tiny SDXL) started from the Configs
// view; then "Generate Samples…" from its row in the Runs view with the defaults (Accept defaults: base, the newest
// checkpoint and the final weights) runs the real python/sdxl_generate.py in the run's own interpreter: the job's row
// under the run shows its progress and ends succeeded, and the images exist. A second job is followed across
// "Reload Window" to its end; a third is stopped from its row. The first job's row opens Compare Samples on its images. Skips, as realWorker.e2e does, without the real worker.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { findRealWorker, tinyRealConfig } from '../../scripts/real-worker-workspace.cjs';
import { REPO_ROOT, withVsCode, type VsCode } from './harness.js';
import { until } from './processes.js';
import { consoleOf, treeRows, waitForRecord } from './standin.js';

const REQUIRE_ENV = 'SDXL_REQUIRE_REAL_WORKER';
const CONFIG_FILE = 'samples-lora.sdxl.json';
const CONFIG_NAME = 'samples lora (real, tiny)';
/** Accept defaults: 3 sources (base, checkpoint-4, final) × 1 prompt × 2 images. */
const TOTAL = 6;
// A job's start in its row: the time, with the date when it was not today (a job that runs past midnight; CI once).
const STARTED = '(?:\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d';

function skipReason(): string | false {
  if (process.platform === 'win32') return 'the real worker runs on Linux only';
  const found = findRealWorker();
  if (typeof found !== 'string') return false;
  if (process.env[REQUIRE_ENV] === '1') throw new Error(`${REQUIRE_ENV}=1 but ${found}`);
  console.log(`# skipping the generate-samples e2e spec: ${found}`);
  return found;
}

/** The real worker's config, shortened: 4 steps, checkpoints at 2 and 4, no validation (the slow part on CPU). */
async function prepare(workspace: string): Promise<void> {
  const w = findRealWorker();
  assert.ok(typeof w !== 'string', String(w));
  const config = tinyRealConfig(w) as { name: string; args: Record<string, unknown> };
  config.name = CONFIG_NAME;
  for (const k of ['validation_prompt', 'num_validation_images', 'validation_epochs']) delete config.args[k];
  Object.assign(config.args, { max_train_steps: 4, checkpointing_steps: 2, checkpoints_total_limit: 3, output_dir: './output/samples-lora' });
  await writeFile(join(workspace, CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
  await mkdir(join(workspace, '.vscode'), { recursive: true });
  await writeFile(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none' }, null, 2));
}

interface JobOnDisk {
  id: string;
  dir: string;
  state: string;
  outputDir?: string;
}

/** The generation jobs' records (`.sdxl/generations/<id>/run.json`), oldest first. */
function jobs(ws: string): JobOnDisk[] {
  const root = join(ws, '.sdxl', 'generations');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .flatMap((id) => {
      try {
        const r = JSON.parse(readFileSync(join(root, id, 'run.json'), 'utf8')) as { state: string; outputDir?: string };
        return [{ id, dir: join(root, id), state: r.state, ...(r.outputDir ? { outputDir: r.outputDir } : {}) }];
      } catch {
        return []; // being written
      }
    });
}

const ENDED = ['succeeded', 'failed', 'stopped'];

function jobConsole(j: JobOnDisk): string {
  try {
    return readFileSync(join(j.dir, 'console.log'), 'utf8').slice(-3000);
  } catch {
    return '';
  }
}

/** The sample rows under the run (expanding the run's row when they are hidden). */
async function sampleRows(vs: VsCode, count: number) {
  const rows = treeRows(vs, 'Runs', /^Samples/);
  const runRow = treeRows(vs, 'Runs', CONFIG_NAME).first();
  await until(
    `${count} sample row(s) under the run`,
    60_000,
    async () => {
      if ((await rows.count()) >= count) return true;
      if ((await runRow.getAttribute('aria-expanded')) === 'false') await runRow.locator('.monaco-tl-twistie').click();
      return undefined;
    },
    500,
  );
  return rows;
}

async function generateWithDefaults(vs: VsCode, ws: string, before: number): Promise<JobOnDisk> {
  await vs.runCommand('SDXL: Focus on Runs View');
  await vs.contextMenu(treeRows(vs, 'Runs', CONFIG_NAME).first(), 'Generate Samples');
  await vs.pick('Accept defaults', { filter: false });
  return until('the sample job to start', 60_000, async () => jobs(ws)[before], 200);
}

/** Waits until the job's row says `pattern` (its description). Returns the text. */
function rowSays(vs: VsCode, index: number, pattern: RegExp, what: string, timeoutMs: number): Promise<string> {
  return until(
    what,
    timeoutMs,
    async () => {
      const rows = treeRows(vs, 'Runs', /^Samples/);
      if ((await rows.count()) <= index) return undefined;
      const text = (await rows.nth(index).textContent()) ?? '';
      return pattern.test(text) ? text : undefined;
    },
    100,
  );
}

test(
  'generate samples: defaults from the Runs view, progress in the row, follows across a reload, Stop',
  { skip: skipReason(), timeout: 1_200_000 },
  async () => {
    await withVsCode('generateSamples', { workspaceTemplate: join(REPO_ROOT, 'test', 'e2e', 'real-workspace'), prepareWorkspace: prepare }, async (vs) => {
      const ws = vs.workspace;
      const clock = Date.now();
      const lap = (what: string) => console.log(`# ${what}: ${Math.round((Date.now() - clock) / 1000)} s`);

      // --- A real tiny training from the Configs view, to its end.
      await vs.runCommand('SDXL: Focus on Configs View');
      const config = treeRows(vs, 'Configs', CONFIG_FILE).first();
      await config.hover();
      await config.locator('.actions .action-label[aria-label*="Start Training Run"]').click();
      const started = await waitForRecord(ws, 'the real run to start', (r) => r.name === CONFIG_NAME, 60_000);
      const trained = await waitForRecord(ws, 'the real run to end', (r) => r.id === started.record.id && ENDED.includes(r.state), 480_000);
      assert.equal(trained.record.state, 'succeeded', consoleOf(trained).slice(-3000));
      lap('training');

      // --- Job 1: Generate Samples from the run's row, Accept defaults (two Enters in all: the menu item, the default).
      const job1 = await generateWithDefaults(vs, ws, 0);
      await sampleRows(vs, 1);
      const progress = await rowSays(
        vs,
        0,
        new RegExp(`^Samples( · ${STARTED})?(\\d/6 · (loading|\\w[\\w.-]* step \\d+/\\d+)|starting…) · 3 sources × 1 prompt × 2 images`),
        'the row to show progress',
        120_000,
      );
      console.log(`# job 1 row while it ran: ${progress}`);
      const done1 = await until('job 1 to end', 400_000, async () => jobs(ws).find((j) => j.id === job1.id && ENDED.includes(j.state)), 500);
      assert.equal(done1.state, 'succeeded', jobConsole(done1));
      await rowSays(vs, 0, new RegExp(`^Samples · ${STARTED}${TOTAL}/${TOTAL} · 3 sources`), 'the row to show 6/6', 30_000);
      const result = JSON.parse(readFileSync(join(done1.outputDir!, 'generation.json'), 'utf8')) as {
        images: Array<{ file: string; source: string }>;
        complete: boolean;
      };
      assert.equal(result.complete, true);
      assert.deepEqual([...new Set(result.images.map((i) => i.source))], ['base', 'checkpoint-4', 'final']);
      assert.equal(result.images.length, TOTAL);
      for (const i of result.images) assert.ok(readFileSync(join(done1.outputDir!, i.file)).subarray(1, 4).toString() === 'PNG', `${i.file} is a PNG`);
      await vs.waitForNotification(/samples succeeded: 6\/6 images/, 30_000);
      await vs.screenshot('generate-samples-done');
      // The row's click opens Compare Samples: the real images under base / checkpoint-4 / final.
      await treeRows(vs, 'Runs', /^Samples/)
        .nth(0)
        .click();
      const frame = await vs.webviewFrame('.cell', 90_000);
      assert.deepEqual(
        (await frame.locator('.col-title').allTextContents()).map((t) => t.trim()),
        ['base', 'checkpoint-4 · step 4', 'final'],
      );
      await until(
        'the 6 generated images loaded in the comparison grid',
        60_000,
        async () =>
          (await frame.locator('.cell.filled img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length)) === TOTAL
            ? true
            : undefined,
        250,
      );
      await vs.screenshot('generate-samples-compare');
      lap('job 1');

      // --- Job 2: Reload Window while it runs; the new window's row follows it to its end.
      const job2 = await generateWithDefaults(vs, ws, 1);
      await until('job 2 to run', 60_000, async () => (jobs(ws)[1]?.state === 'running' ? true : undefined), 200);
      await vs.reloadWindow();
      assert.ok(!ENDED.includes(jobs(ws)[1]!.state), 'job 2 still ran when the window came back');
      await vs.runCommand('SDXL: Focus on Runs View');
      await sampleRows(vs, 2);
      const during = await rowSays(vs, 1, new RegExp(`^Samples( · ${STARTED})?(starting|[0-5]/6 · )`), 'the reloaded row to show job 2 in progress', 60_000);
      console.log(`# job 2 row after the reload: ${during}`);
      const done2 = await until('job 2 to end', 400_000, async () => jobs(ws).find((j) => j.id === job2.id && ENDED.includes(j.state)), 500);
      assert.equal(done2.state, 'succeeded', jobConsole(done2));
      await rowSays(vs, 1, new RegExp(`^Samples · ${STARTED}${TOTAL}/${TOTAL} · 3 sources`), 'the reloaded row to follow job 2 to 6/6', 30_000);
      lap('job 2');

      // --- Job 3: Stop Generation from its row.
      const job3 = await generateWithDefaults(vs, ws, 2);
      await sampleRows(vs, 3);
      await until('job 3 to run', 60_000, async () => (jobs(ws)[2]?.state === 'running' ? true : undefined), 200);
      await vs.contextMenu(treeRows(vs, 'Runs', /^Samples/).nth(2), 'Stop Generation');
      const done3 = await until('job 3 to end', 120_000, async () => jobs(ws).find((j) => j.id === job3.id && ENDED.includes(j.state)), 200);
      assert.equal(done3.state, 'stopped', jobConsole(done3));
      await rowSays(vs, 2, new RegExp(`^Samples · ${STARTED}\\d/6 · stopped · `), 'the row to say stopped', 30_000);
      await vs.screenshot('generate-samples-stopped');
      lap('job 3');
    });
  },
);
