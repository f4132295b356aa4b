// A key written twice: JSON (and the launch) keep the last one silently. Every repeat is reported where it is ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, type Diagnostic } from '../../src/core/diagnostics';
import { applyFix } from '../../src/core/config/fixes';
import { parseConfigText } from '../../src/core/config/config';

const dups = (text: string): Diagnostic[] => validateConfig(text).filter((d) => d.code === 'duplicate-key');

const LINES = [
  '{',
  '  "script": "full",', // 2
  '  "name": "a",', // 3
  '  "args": {', // 4
  '    "pretrained_model_name_or_path": "m",', // 5
  '    "train_data_dir": "d",', // 6
  '    "learning_rate": 0.001,', // 7
  '    "seed": 1,', // 8
  '    "my_note": 1,', // 9
  '    "learning_rate": 0.0001,', // 10
  '    "seed": 1,', // 11
  '    "my_note": 2', // 12
  '  },', // 13
  '  "launch": { "env": { "HF_HOME": "/a", "HF_HOME": "/b" }, "accelerateArgs": { "num_processes": 1, "num_processes": 2 } },', // 14
  '  "name": "b",', // 15
  '  "script": "lora"', // 16
  '}',
];

test('every duplicate key is reported on the ignored one, at any depth, naming the line of the one in effect', () => {
  const ds = dups(LINES.join('\n'));
  const brief = ds.map((d) => [d.path, d.line, d.severity]);
  assert.deepEqual(brief, [
    ['/script', 2, 'error'],
    ['/name', 3, 'warning'],
    ['/args/learning_rate', 7, 'error'],
    ['/args/seed', 8, 'warning'],
    ['/args/my_note', 9, 'warning'],
    ['/launch/env/HF_HOME', 14, 'error'],
    ['/launch/accelerateArgs/num_processes', 14, 'error'],
  ]);
  const script = ds[0]!;
  assert.equal(
    script.message,
    'Duplicate key "script" at the top level: only the last one (line 16) counts, so this value is ignored and the run uses the other one. Remove one of them.',
  );
  assert.equal(script.column, 3);
  assert.equal(LINES.join('\n').slice(script.offset, script.offset + script.length), '"script"');
  assert.match(ds[3]!.message, /^Duplicate key "seed" in "args", with the same value as on line 11: remove one of them\.$/);
  assert.match(ds[5]!.message, /in "launch\.env": only the last one \(line 14\) counts/);
  // The config read is the one in effect: the second script.
  assert.equal(parseConfigText(LINES.join('\n')).config?.script, 'lora');
});

test('diagnostics about a repeated key point at the occurrence in effect', () => {
  const text = '{"script": "lora", "script": "sdxl", "args": {"pretrained_model_name_or_path": "m", "train_data_dir": "d"}}';
  const shape = validateConfig(text).find((d) => d.code === 'config-shape')!;
  assert.match(shape.message, /Unknown script "sdxl"/);
  assert.equal(text.slice(shape.offset, shape.offset + shape.length), '"sdxl"');
});

test('three times: two diagnostics; the fix removes the first, and the value in effect stays', () => {
  const text = '{\n"script": "lora",\n"args": {\n"pretrained_model_name_or_path": "m", "train_data_dir": "d",\n"seed": 1,\n"seed": 2,\n"seed": 3\n}\n}';
  const ds = dups(text);
  assert.deepEqual(
    ds.map((d) => [d.line, d.severity, !!d.fix]),
    [
      [5, 'error', true],
      [6, 'error', false],
    ],
  );
  let fixed = applyFix(text, ds[0]!.fix!);
  fixed = applyFix(fixed, dups(fixed)[0]!.fix!);
  assert.deepEqual(dups(fixed), []);
  assert.equal(parseConfigText(fixed).config?.args.seed, 3);
});

test('inside arrays, and inside an ignored copy (whose own repeats change nothing: warnings)', () => {
  const text = JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: 'm', train_data_dir: 'd', x: [{ k: 1 }] } })
    .replace('{"k":1}', '{"k":1,"k":2}')
    .replace('"args":', '"args": {"seed": 1, "seed": 2}, "args":');
  assert.deepEqual(
    dups(text).map((d) => [d.path, d.severity]),
    [
      ['/args', 'error'],
      ['/args/seed', 'warning'],
      ['/args/x/0/k', 'warning'],
    ],
  );
});
