// Deep nesting (10,000 levels) is a parse problem with a line number, never a stack overflow: in the parse, the
// Problems panel's check, the quick fixes, and the CLI's validate, estimate and command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_NESTING, parseConfigText } from '../../src/core/config/config';
import { validateConfig } from '../../src/core/diagnostics';
import { fixToTextEdits } from '../../src/core/config/fixes';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

const HEAD = '{\n  "script": "lora",\n  "args": {\n    "pretrained_model_name_or_path": "m",\n    "train_data_dir": "d",\n';

/** A config whose args.x is `depth` levels of arrays (or objects), on line 6. */
function deep(depth: number, kind: 'array' | 'object' = 'array'): string {
  const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
  return `${HEAD}    "x": ${open.repeat(depth)}${kind === 'array' ? '' : '1'}${close.repeat(depth)}\n  }\n}\n`;
}

const TOO_DEEP = new RegExp(`^Nested too deeply \\(more than ${MAX_NESTING} levels\\) at line 6`);

for (const kind of ['array', 'object'] as const) {
  test(`10,000 levels of ${kind}s: a parse problem at the line where the limit is passed`, () => {
    const parsed = parseConfigText(deep(10_000, kind));
    assert.equal(parsed.config, undefined);
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0]!.message, TOO_DEEP);
    assert.equal(parsed.problems[0]!.code, 'too-deep');
    const ds = validateConfig(deep(10_000, kind));
    assert.deepEqual(
      ds.map((d) => [d.code, d.severity, d.line]),
      [['too-deep', 'error', 6]],
    );
  });
}

test(`nesting up to ${MAX_NESTING} levels is read; one more is not`, () => {
  // The document and args are two levels, so x may hold MAX_NESTING - 2.
  assert.ok(parseConfigText(deep(MAX_NESTING - 2)).config);
  assert.match(parseConfigText(deep(MAX_NESTING - 1)).problems[0]!.message, TOO_DEEP);
  // Brackets inside strings and comments are not nesting.
  const quoted = `${HEAD}    // ${'['.repeat(1000)}\n    "validation_prompt": "${'{'.repeat(1000)}"\n  }\n}\n`;
  assert.deepEqual(parseConfigText(quoted).problems, []);
});

test('a quick fix on a deeply nested text gives no edits instead of throwing', () => {
  assert.deepEqual(fixToTextEdits(deep(10_000), { title: 'x', edits: [{ op: 'rename', path: '/args/x', newKey: 'y' }] }), []);
});

test('validate, estimate and command say "nested too deeply" with the line, and exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-deep-'));
  writeFileSync(join(dir, 'deep.sdxl.json'), deep(10_000));
  for (const cmd of ['validate', 'estimate', 'command']) {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd: dir };
    const code = await main([cmd, 'deep.sdxl.json'], io);
    assert.equal(code, 1, cmd);
    assert.match(out + err, new RegExp(`deep\\.sdxl\\.json:6:\\d+: error: Nested too deeply \\(more than ${MAX_NESTING} levels\\) at line 6`), cmd);
    assert.doesNotMatch(out + err, /call stack/i, cmd);
  }
});
