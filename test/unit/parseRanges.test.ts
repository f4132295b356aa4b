import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';

test('syntax errors at the end of the text get ranges inside it (found by the fuzz suite: an unterminated comment)', () => {
  for (const text of ['/*', './*', '{"script": "lora" /* open', '{"a": 1 /* x', '{', '']) {
    for (const p of parseConfigText(text).problems)
      assert.ok(p.offset >= 0 && p.length >= 0 && p.offset + p.length <= text.length, `${JSON.stringify(text)}: ${p.message} at ${p.offset}+${p.length}`);
    for (const d of validateConfig(text)) assert.ok(d.offset + d.length <= text.length, `${JSON.stringify(text)}: ${d.code} at ${d.offset}+${d.length}`);
  }
});

test('a non-object root ending in an unterminated comment gets a range inside the text (fuzz seed 3339140542, case 47228)', () => {
  const text = '/f[1 ec{19tu3ub+ued/ :2.1luter\nc}*26a}-\nf26/*';
  const problems = parseConfigText(text).problems;
  const root = problems.find((p) => p.message === 'A training config must be a JSON object.');
  assert.ok(root, 'the root is said not to be an object');
  for (const p of problems) assert.ok(p.offset >= 0 && p.offset + p.length <= text.length, `${p.message}: ${p.offset}+${p.length} > ${text.length}`);
});

test('every diagnostic of a text cut inside a comment lies inside it (fuzz seed 2121739465, case 55494)', () => {
  const text = '{"script": "dreambooth-lora",\n  "script": "lora",\n  "name": "e2e sample",\n  "args": {\n    "pre "stabilityai/sta/*';
  const diagnostics = validateConfig(text);
  assert.ok(
    diagnostics.some((d) => d.code === 'required' || /required/.test(d.message)),
    diagnostics.map((d) => d.message).join(' | '),
  );
  for (const d of diagnostics) assert.ok(d.offset >= 0 && d.offset + d.length <= text.length, `${d.message}: ${d.offset}+${d.length} > ${text.length}`);
});
