import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { applyFix, describeFix, detectFormatting, fixAppliedMessage, fixToTextEdits } from '../../src/core/config/fixes';
import { validateConfig, type Fix } from '../../src/core/diagnostics';

const DOC = `{
    // my training run
    "script": "lora",
    "args": {
        "learnig_rate": 1e-5, // keep this comment
        "rank": 4
    }
}
`;

function edits(text: string, fix: Fix): string {
  // Apply the text edits back to front, as an editor would, to check they are relative to the original text.
  let out = text;
  for (const e of [...fixToTextEdits(text, fix)].sort((a, b) => b.offset - a.offset)) out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  return out;
}

test('detects indentation and line endings', () => {
  assert.deepEqual(detectFormatting(DOC), { insertSpaces: true, tabSize: 4, eol: '\n' });
  assert.deepEqual(detectFormatting('{\r\n\t"a": 1\r\n}'), { insertSpaces: false, tabSize: 4, eol: '\r\n' });
  assert.deepEqual(detectFormatting('{"a": 1}'), { insertSpaces: true, tabSize: 2, eol: '\n' });
});

test('rename keeps the value and the comments', () => {
  const fix: Fix = { title: 'r', edits: [{ op: 'rename', path: '/args/learnig_rate', newKey: 'learning_rate' }] };
  const out = applyFix(DOC, fix);
  assert.equal(out, DOC.replace('"learnig_rate"', '"learning_rate"'));
  assert.equal(edits(DOC, fix), out);
});

test('rename onto an existing key keeps the renamed value once', () => {
  const text = '{"args": {"learnig_rate": 2, "learning_rate": 1}}';
  const out = applyFix(text, { title: 'r', edits: [{ op: 'rename', path: '/args/learnig_rate', newKey: 'learning_rate' }] });
  assert.deepEqual(parse(out), { args: { learning_rate: 2 } });
});

test("set inserts with the file's indentation; remove deletes the property", () => {
  const out = applyFix(DOC, { title: 's', edits: [{ op: 'set', path: '/args/pretrained_vae_model_name_or_path', value: 'madebyollin/sdxl-vae-fp16-fix' }] });
  assert.match(out, /\n {8}"pretrained_vae_model_name_or_path": "madebyollin\/sdxl-vae-fp16-fix"/);
  assert.match(out, /\/\/ my training run/);
  const removed = applyFix(DOC, { title: 'x', edits: [{ op: 'remove', path: '/args/rank' }] });
  assert.deepEqual(parse(removed), { script: 'lora', args: { learnig_rate: 1e-5 } });
  const tabbed = applyFix('{\n\t"args": {\n\t\t"rank": 4\n\t}\n}', { title: 's', edits: [{ op: 'set', path: '/args/seed', value: 1 }] });
  assert.match(tabbed, /\n\t\t"seed": 1/);
});

test('a multi-edit fix (move) is one edit relative to the original', () => {
  const text = '{\n  "script": "lora",\n  "seed": 3,\n  "args": {}\n}';
  const fix: Fix = {
    title: 'm',
    edits: [
      { op: 'set', path: '/args/seed', value: 3 },
      { op: 'remove', path: '/seed' },
    ],
  };
  assert.equal(fixToTextEdits(text, fix).length, 1);
  assert.deepEqual(parse(edits(text, fix)), { script: 'lora', args: { seed: 3 } });
});

test('a fix that cannot apply changes nothing', () => {
  const text = '{"args": [1, 2]}';
  assert.deepEqual(fixToTextEdits(text, { title: 's', edits: [{ op: 'set', path: '/args/seed', value: 1 }] }), []);
  assert.equal(applyFix(text, { title: 'r', edits: [{ op: 'rename', path: '/args/nope', newKey: 'x' }] }), text);
});

test('values with quotes, newlines and non-ASCII are written as valid JSON', () => {
  const value = 'a "quoted"\nprompt — ünïcode 🐕';
  const out = applyFix(DOC, { title: 's', edits: [{ op: 'set', path: '/args/validation_prompt', value }] });
  assert.equal((parse(out) as { args: Record<string, unknown> }).args.validation_prompt, value);
});

test('an applied fix says which settings changed, to what, in which file', () => {
  const oom = {
    title: 'Halve train_batch_size',
    edits: [
      { op: 'set' as const, path: '/args/train_batch_size', value: 1 },
      { op: 'set' as const, path: '/args/gradient_checkpointing', value: true },
    ],
  };
  assert.equal(fixAppliedMessage(oom, 'foo.sdxl.json'), 'Set train_batch_size to 1 and gradient_checkpointing to true in foo.sdxl.json.');
  assert.equal(describeFix({ title: 't', edits: [{ op: 'set', path: '/args/mixed_precision', value: 'bf16' }] }), 'Set mixed_precision to bf16');
  assert.equal(
    describeFix({ title: 't', edits: [{ op: 'set', path: '/launch/accelerateArgs/main_process_port', value: 29501 }] }),
    'Set launch.accelerateArgs.main_process_port to 29501',
  );
  assert.equal(describeFix({ title: 't', edits: [{ op: 'remove', path: '/args/hub_token' }] }), 'Removed hub_token');
  assert.equal(describeFix({ title: 't', edits: [{ op: 'rename', path: '/args/lr', newKey: 'learning_rate' }] }), 'Renamed lr to learning_rate');
  assert.equal(
    describeFix({
      title: 't',
      edits: [
        { op: 'set', path: '/args/a', value: 1 },
        { op: 'set', path: '/args/b', value: [1, 2] },
        { op: 'set', path: '/args/c', value: null },
        { op: 'remove', path: '/args/d' },
      ],
    }),
    'Set a to 1, b to [1,2] and c to null; removed d',
  );
  assert.equal(describeFix({ title: 'Nothing to do', edits: [] }), 'Nothing to do');
});

test('a fix in a text cut inside a comment gives well-formed edits or none, never overlapping ones (fuzz seed 2121739465, case 92760)', () => {
  const text =
    '// E2E\n{\n  "script": "lora",\n  "name": "normal run",\n  "launch": {\n    "accelerate": "${STANDIN_ACCELERATE}",\n    "scriptPath": "train_text_to_image_lora_sdxl.py",\n    "env": {\n     /*';
  const fixes = validateConfig(text).flatMap((d) => (d.fix ? [d.fix] : []));
  assert.ok(fixes.length > 0, 'the cut text has fixes to try');
  for (const fix of fixes) {
    const edits = [...fixToTextEdits(text, fix)].sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < edits.length; i++) {
      const e = edits[i]!;
      assert.ok(e.offset >= 0 && e.offset + e.length <= text.length, `${describeFix(fix)}: an edit past the end`);
      if (i > 0) assert.ok(edits[i - 1]!.offset + edits[i - 1]!.length <= e.offset, `${describeFix(fix)}: overlapping edits`);
    }
    assert.equal(typeof applyFix(text, fix), 'string');
  }
});

test('a pointer into an array sets or removes that element; an object key spelled as a number stays a key', () => {
  const doc = '{\n  "launch": { "slurm": { "sbatchArgs": ["--exclusive", "--export=NONE"] } },\n  "args": { "0": "x" }\n}';
  const set = applyFix(doc, { title: 's', edits: [{ op: 'set', path: '/launch/slurm/sbatchArgs/1', value: '--export=ALL' }] });
  assert.deepEqual(parse(set), { launch: { slurm: { sbatchArgs: ['--exclusive', '--export=ALL'] } }, args: { '0': 'x' } });
  const removed = applyFix(doc, { title: 'r', edits: [{ op: 'remove', path: '/launch/slurm/sbatchArgs/0' }] });
  assert.deepEqual(parse(removed).launch.slurm.sbatchArgs, ['--export=NONE']);
  const key = applyFix(doc, { title: 'k', edits: [{ op: 'set', path: '/args/0', value: 'y' }] });
  assert.deepEqual(parse(key).args, { '0': 'y' });
});
