// The demo workspace (README's first command) must show a clean config: what a newcomer sees first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateConfig } from '../../src/core/diagnostics';
import { repoRoot } from './repoRoot';

const dir = join(repoRoot(), 'demo-workspace');

test('every demo config validates with no problems', () => {
  const configs = readdirSync(dir).filter((f) => f.endsWith('.sdxl.json'));
  assert.ok(configs.length > 0);
  for (const f of configs) {
    const diags = validateConfig(readFileSync(join(dir, f), 'utf8'), { configPath: join(dir, f) });
    assert.deepEqual(diags.map((d) => `${d.code}: ${d.message}`), [], f);
  }
});

test('the demo dataset has a caption for every image', () => {
  const data = join(dir, 'data');
  const images = readdirSync(data).filter((f) => f.endsWith('.png')).sort();
  const captions = readFileSync(join(data, 'metadata.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file_name: string; text: string });
  assert.deepEqual(captions.map((c) => c.file_name).sort(), images);
  for (const c of captions) assert.ok(c.text.length > 0);
});
