// The demo workspace (README's first command) must show a clean config: what a newcomer sees first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listDir } from '../../src/cli/validate';
import { parseConfigText } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { buildLaunchPlan } from '../../src/core/launch/launchPlan';
import { repoRoot } from './repoRoot';

const dir = join(repoRoot(), 'demo-workspace');

test('every demo config validates with no problems', () => {
  const configs = readdirSync(dir).filter((f) => f.endsWith('.sdxl.json'));
  assert.ok(configs.length > 0);
  for (const f of configs) {
    const diags = validateConfig(readFileSync(join(dir, f), 'utf8'), { configPath: join(dir, f) });
    assert.deepEqual(
      diags.map((d) => `${d.code}: ${d.message}`),
      [],
      f,
    );
  }
});

test('the demo dataset has a caption for every image', () => {
  const data = join(dir, 'data');
  const images = readdirSync(data)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const captions = readFileSync(join(data, 'metadata.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file_name: string; text: string });
  assert.deepEqual(captions.map((c) => c.file_name).sort(), images);
  for (const c of captions) assert.ok(c.text.length > 0);
});

test("the demo's real tiny run: written only when the real worker is installed, and then a clean config of 8 real steps", async () => {
  const { addRealWorkerConfig, findRealWorker, CONFIG_FILE, CONFIG_NAME } = await import('../../scripts/real-worker-workspace.cjs');
  const ws = mkdtempSync(join(tmpdir(), 'sdxl-demo-real-'));
  const saved = process.env.SDXL_REAL_WORKER;
  try {
    process.env.SDXL_REAL_WORKER = join(ws, 'no-worker-here');
    const none = await addRealWorkerConfig(ws);
    assert.equal(none.written, false);
    assert.match(none.written ? '' : none.reason, /the real worker is not installed in .*no-worker-here/);
    assert.deepEqual(readdirSync(ws), [], 'nothing written without the worker');
    if (saved === undefined) delete process.env.SDXL_REAL_WORKER;
    else process.env.SDXL_REAL_WORKER = saved;
    const worker = findRealWorker();
    if (typeof worker === 'string') return; // not installed here: the first half is the test
    const added = await addRealWorkerConfig(ws);
    assert.ok(added.written);
    const file = join(ws, CONFIG_FILE);
    const text = readFileSync(file, 'utf8');
    assert.deepEqual(
      validateConfig(text, { configPath: file, listDir }).map((d) => `${d.code}: ${d.message}`),
      [],
    );
    const config = parseConfigText(text).config!;
    assert.equal(config.name, CONFIG_NAME);
    const argv = buildLaunchPlan(config, file).argv;
    assert.equal(argv[0], worker.accelerate);
    assert.ok(argv.includes(worker.script), argv.join(' '));
    const line = argv.join('\n');
    for (const pair of [
      '--max_train_steps\n8',
      '--resolution\n64',
      '--validation_epochs\n1',
      '--checkpointing_steps\n2',
      `--pretrained_model_name_or_path\n${worker.model}`,
    ]) {
      assert.ok(line.includes(pair), `${pair.replace('\n', ' ')} in ${argv.join(' ')}`);
    }
  } finally {
    if (saved === undefined) delete process.env.SDXL_REAL_WORKER;
    else process.env.SDXL_REAL_WORKER = saved;
    rmSync(ws, { recursive: true, force: true });
  }
});
