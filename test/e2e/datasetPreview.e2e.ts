// "SDXL: Preview Dataset" and "SDXL: Check Dataset" in code-server (issue 12): a sample imagefolder made here (three
// PNGs drawn with sharp, one truncated PNG, a metadata.jsonl) named by a config. The preview's gallery shows every
// image with its caption and the corrupt one flagged, a selected image shows its training crop; the check puts the
// corrupt image into the Problems panel and shows its summary. Screenshots: test-results/dataset-preview-*.png.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { withVsCode } from './harness.js';
import { until } from './processes.js';

const CONFIG = 'sample.sdxl.json';

async function png(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  const [r, g, b] = rgb;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${r},${g},${b})"/>
    <circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="rgba(255,255,255,0.6)"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function prepare(ws: string): Promise<void> {
  const dir = join(ws, 'sample');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'wide.png'), await png(768, 512, [200, 90, 60]));
  await writeFile(join(dir, 'tall.png'), await png(512, 768, [60, 140, 200]));
  await writeFile(join(dir, 'square.png'), await png(600, 600, [70, 160, 110]));
  // A PNG cut short: the script would crash on it during latent pre-computation.
  await writeFile(join(dir, 'broken.png'), (await png(640, 640, [220, 180, 60])).subarray(0, 120));
  const captions: [string, string][] = [
    ['wide.png', 'a red circle, wide'],
    ['tall.png', 'a blue circle, tall'],
    ['square.png', 'a green circle'],
    ['broken.png', 'a yellow circle that never loads'],
  ];
  // Line 5 names a file that is not there.
  captions.push(['gone.png', 'a deleted image']);
  await writeFile(join(dir, 'metadata.jsonl'), captions.map(([file_name, text]) => JSON.stringify({ file_name, text })).join('\n') + '\n');
  const config = {
    script: 'lora',
    name: 'dataset preview',
    args: {
      pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
      train_data_dir: 'sample',
      caption_column: 'text',
      resolution: 512,
      random_flip: true,
      output_dir: 'outputs/dataset-preview',
    },
  };
  await writeFile(join(ws, CONFIG), JSON.stringify(config, null, 2) + '\n');
}

test('Preview Dataset shows the gallery with the corrupt image flagged and a training crop; Check Dataset puts it into Problems', async () => {
  await withVsCode('dataset-preview', { prepareWorkspace: prepare, viewport: { width: 1500, height: 950 } }, async (vs) => {
    await vs.openFile(CONFIG);
    await vs.runCommand('SDXL: Preview Dataset');
    const frame = await vs.webviewFrame('.card', 90_000);
    await until('four cards', 30_000, async () => ((await frame.locator('.card').count()) === 4 ? true : undefined), 200);
    const broken = frame.locator('.card[title="broken.png"]');
    assert.match((await broken.getAttribute('class')) ?? '', /flagged error/);
    assert.match((await broken.getAttribute('data-codes')) ?? '', /corrupt-image/);
    assert.match((await frame.locator('.counts').textContent()) ?? '', /4 images; [1-9]\d* errors?/);
    // Thumbnails made on the host (sharp) into the extension's storage; the broken one says it cannot be read.
    await until('three thumbnails loaded', 30_000, async () => {
      const loaded = await frame.locator('.card .thumb img').evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length);
      return loaded === 3 ? true : undefined;
    });
    assert.equal((await broken.locator('.thumb').textContent())?.trim(), 'cannot read');
    assert.equal((await frame.locator('.card[title="wide.png"] .caption').textContent())?.trim(), 'a red circle, wide');

    // The training crop of the 768×512 image at resolution 512: resized to 768×512, a 512 square at (0, left).
    await frame.locator('.card[title="wide.png"]').click();
    await frame.locator('.crop-box').waitFor({ timeout: 30_000 });
    assert.equal((await frame.locator('.original-size').textContent())?.trim(), '(512, 768)');
    const coords = (await frame.locator('.crops-coords').textContent())?.trim() ?? '';
    const m = /^\(0, (\d+)\)$/.exec(coords);
    assert.ok(m && Number(m[1]) <= 256, `crops_coords_top_left ${coords}`);
    await vs.screenshot('gallery');

    // "Problems only" leaves the corrupt image alone in the gallery.
    await frame.locator('vscode-checkbox.problems-only').click();
    await until('one card', 30_000, async () => ((await frame.locator('.card').count()) === 1 ? true : undefined), 200);
    assert.equal(await frame.locator('.card').getAttribute('title'), 'broken.png');

    // Check Dataset on the config: the finding in the Problems panel on the image, and the summary document.
    await vs.openFile(CONFIG);
    await vs.runCommand('SDXL: Check Dataset');
    const summary = await vs.waitForEditorText(/# Dataset check — /, 60_000);
    assert.match(summary, /\*\*4 images; \d+ errors?/);
    assert.match(summary, /`corrupt-image`/);
    const problems = await vs.waitForProblems(
      'corrupt-image on broken.png',
      (p) => p.some((x) => x.file === 'broken.png' && (x.code ?? '').includes('corrupt-image')),
      30_000,
    );
    assert.ok(problems.some((x) => x.file === 'broken.png' && x.severity === 'error'));
    // A metadata.jsonl finding is on its line.
    assert.ok(
      problems.some((x) => x.file === 'metadata.jsonl' && x.line === 5 && (x.code ?? '').includes('metadata-missing-file')),
      JSON.stringify(problems.filter((x) => x.file === 'metadata.jsonl')),
    );
    await vs.screenshot('problems');

    // After a window reload the panel comes back (serializer) with its filter: the corrupt image alone.
    await vs.reloadWindow();
    await vs.page.locator('.tabs-container .tab', { hasText: 'Dataset: sample' }).first().click();
    const restored = await vs.webviewFrame('.card', 90_000);
    await until('the restored panel shows the one problem image', 30_000, async () => {
      const titles = await restored.locator('.card').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
      return titles.length === 1 && titles[0] === 'broken.png' ? true : undefined;
    });
    await vs.screenshot('restored');
  });
});
