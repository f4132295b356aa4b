import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/core/config';
import { validateConfig } from '../../src/core/diagnostics';

test('syntax errors at the end of the text get ranges inside it (found by the fuzz suite: an unterminated comment)', () => {
  for (const text of ['/*', './*', '{"script": "lora" /* open', '{"a": 1 /* x', '{', '']) {
    for (const p of parseConfigText(text).problems) assert.ok(p.offset >= 0 && p.length >= 0 && p.offset + p.length <= text.length, `${JSON.stringify(text)}: ${p.message} at ${p.offset}+${p.length}`);
    for (const d of validateConfig(text)) assert.ok(d.offset + d.length <= text.length, `${JSON.stringify(text)}: ${d.code} at ${d.offset}+${d.length}`);
  }
});
