// Compare Samples end to end (issue 14, part V), in code-server: a finished generation job planted as the supervisor and
// sdxl_generate.py leave it (its record in .sdxl/generations with run.json/exit.json succeeded; its output folder with
// request.json, generation.json and real PNGs made with sharp); "SDXL: Compare Samples…" from the palette, the job
// picked: the images appear in the grid under the right column headers, each is CLIP-scored with the tiny ONNX model
// the spec builds (`sdxl.clip.model` names its folder, so nothing is downloaded) into the job's clip-scores.json, the
// viewer opens, and after Reload Window the panel comes back (serializer) with its viewer open.
// Screenshots: test-results/compare-samples-grid.png, compare-samples-viewer.png, compare-samples-after-reload.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode } from './harness.js';
import { until } from './processes.js';
import { writeTinyClip } from '../clip/tinyClip.js';
import { plantJob, plantedSettings } from '../generate/plantedJob.js';

const JOB_ID = '20261129-100000-dog-lora-samples';
const MODEL_DIR = 'tiny-clip';
const settings = plantedSettings();

/** The job's record folder as the wrapper leaves it after a clean exit. */
function plantRecord(ws: string, outputDir: string): void {
  const dir = join(ws, '.sdxl', 'generations', JOB_ID);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const at = '2026-11-29T10:00:00.000Z';
  const ended = '2026-11-29T10:03:00.000Z';
  const record = {
    id: JOB_ID,
    name: 'samples of dog-lora',
    script: 'lora',
    plan: { argv: ['python3', 'python/sdxl_generate.py', '--output_dir', outputDir], env: {}, cwd: ws, script: 'lora' },
    outputDir,
    createdAt: at,
    startedAt: at,
    endedAt: ended,
    state: 'succeeded',
    exitCode: 0,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: ended }), { mode: 0o600 });
  writeFileSync(join(dir, 'console.log'), 'SDXL_GENERATE {"event":"done","images":12,"seconds":180}\n', { mode: 0o600 });
}

test(
  'Compare Samples: a finished job’s images under their column headers, CLIP-scored, the viewer, and back after a reload',
  { timeout: 400_000 },
  async () => {
    const userSettings: Record<string, unknown> = {};
    let outputDir = '';
    await withVsCode(
      'compareSamples',
      {
        prepareWorkspace: async (ws) => {
          outputDir = join(ws, '.sdxl', 'samples', 'dog-lora-20261129-100000');
          await plantJob(outputDir, { settings, jobId: JOB_ID, name: 'samples of dog-lora' });
          plantRecord(ws, outputDir);
          writeTinyClip(join(ws, MODEL_DIR));
          userSettings['sdxl.clip.model'] = join(ws, MODEL_DIR);
        },
        userSettings,
        viewport: { width: 1400, height: 1000 },
      },
      async (vs) => {
        await vs.runCommand('SDXL: Compare Samples…');
        await vs.pick('samples of dog-lora', { timeoutMs: 60_000 });
        const frame = await vs.webviewFrame('.cell', 90_000);

        // The grid: base / checkpoint-4 · step 4 / final, 2 prompts × 2 seeds, every image loaded from the job's folder.
        assert.deepEqual(
          (await frame.locator('.col-title').allTextContents()).map((t) => t.trim()),
          ['base', 'checkpoint-4 · step 4', 'final'],
        );
        assert.deepEqual(
          (await frame.locator('.prompt').allTextContents()).map((t) => t.trim()),
          settings.prompts,
        );
        await until(
          '12 images loaded in the grid',
          60_000,
          async () => {
            const n = await frame.locator('.cell.filled img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth === 64).length);
            return n === 12 ? true : undefined;
          },
          250,
        );
        const src = await frame.locator('.cell[data-source="checkpoint-4"][data-prompt="1"][data-seed="43"] img').getAttribute('src');
        assert.match(src ?? '', /checkpoint-4\/1-43\.png/);
        assert.equal((await frame.locator('h2').textContent())?.trim(), 'samples of dog-lora');
        assert.match((await frame.locator('.settings').textContent()) ?? '', /20 steps · guidance 7\.5 · 64×48/);

        // CLIP scores with the tiny model: one per image in clip-scores.json, on every cell and a mean per column.
        const scoresFile = join(outputDir, 'clip-scores.json');
        await until(
          'clip-scores.json with 12 scores',
          90_000,
          async () => {
            if (!existsSync(scoresFile)) return undefined;
            const f = JSON.parse(readFileSync(scoresFile, 'utf8')) as { scores: Record<string, number> };
            return Object.keys(f.scores).length === 12 ? true : undefined;
          },
          250,
        );
        await until('a score on every cell', 30_000, async () => ((await frame.locator('.cell .score').count()) === 12 ? true : undefined), 250);
        for (const t of await frame.locator('.col-score').allTextContents()) assert.match(t, /^CLIP \d+\.\d \(mean of 4\)$/);
        await vs.screenshot('compare-samples-grid');

        // The viewer: opened by a click, → goes to the next source.
        await frame.locator('.cell[data-source="base"][data-prompt="0"][data-seed="42"]').click();
        await frame.locator('.viewer:not([hidden]) .viewer-stage img').waitFor({ timeout: 15_000 });
        await frame.locator('.viewer').press('ArrowRight');
        await until('the viewer on checkpoint-4', 10_000, async () =>
          (await frame.locator('.viewer-stage img').getAttribute('data-source')) === 'checkpoint-4' ? true : undefined,
        );
        await vs.screenshot('compare-samples-viewer');

        // After a reload the panel comes back on the same job, with the viewer where it was.
        await vs.reloadWindow();
        const restored = await vs.webviewFrame('.viewer:not([hidden]) .viewer-stage img', 120_000);
        assert.equal(await restored.locator('.viewer-stage img').getAttribute('data-source'), 'checkpoint-4');
        await restored.locator('.viewer').press('Escape');
        await until('12 images after the reload', 60_000, async () => ((await restored.locator('.cell.filled img').count()) === 12 ? true : undefined), 250);
        await vs.screenshot('compare-samples-after-reload');
      },
    );
  },
);
