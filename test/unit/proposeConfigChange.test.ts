// `sdxl_proposeConfigChange`'s edit (core/config/proposeChange.ts): checked against the script's argument table, one
// replacement that keeps comments, numbers as given; and the confirmation it asks for (core/view/chatTools.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { proposeArgChanges } from '../../src/core/config/proposeChange';
import { proposalAppliedText, proposalConfirmation } from '../../src/core/view/chatTools';

const CONFIG = `// my LoRA run
{
  "script": "lora",
  "args": {
    // the base model
    "pretrained_model_name_or_path": "stabilityai/stable-diffusion-xl-base-1.0",
    "train_data_dir": "./data",
    "train_batch_size": 4, // too much for 12 GB
    "learning_rate": 1e-4,
    "mixed_precision": "fp16"
  }
}
`;

function apply(text: string, e: { offset: number; length: number; content: string }): string {
  return text.slice(0, e.offset) + e.content + text.slice(e.offset + e.length);
}

test('a proposed change is one edit giving exactly the expected text: comments kept, numbers as given, removals', () => {
  const r = proposeArgChanges(CONFIG, { train_batch_size: 1, gradient_checkpointing: true, learning_rate: '5e-5', mixed_precision: null });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.changes, [
    { arg: 'train_batch_size', old: 4, new: 1 },
    { arg: 'gradient_checkpointing', old: undefined, new: true },
    { arg: 'learning_rate', old: 1e-4, new: 5e-5 },
    { arg: 'mixed_precision', old: 'fp16', new: undefined },
  ]);
  assert.equal(
    r.text,
    `// my LoRA run
{
  "script": "lora",
  "args": {
    // the base model
    "pretrained_model_name_or_path": "stabilityai/stable-diffusion-xl-base-1.0",
    "train_data_dir": "./data",
    "train_batch_size": 1, // too much for 12 GB
    "learning_rate": 5e-5,
    "gradient_checkpointing": true
  }
}
`,
  );
  // The one replacement turns the old text into the new one.
  assert.equal(apply(CONFIG, r.edit), r.text);
  const confirm = proposalConfirmation('my.sdxl.json', r.changes, 'the run ran out of GPU memory', r.text);
  assert.equal(confirm.title, 'Change my.sdxl.json?');
  assert.match(confirm.message, /^- `train_batch_size: 4 → 1`$/m);
  assert.match(confirm.message, /^- `gradient_checkpointing: \(not set: the script default\) → true`$/m);
  assert.match(confirm.message, /^- `learning_rate: 0\.0001 → 0\.00005`$/m);
  assert.match(confirm.message, /^- `mixed_precision: fp16 → \(not set: the script default\)`$/m);
  assert.match(confirm.message, /Reason given: the run ran out of GPU memory/);
  assert.doesNotMatch(confirm.message, /would have these errors/);
  assert.match(proposalAppliedText('my.sdxl.json', r.changes), /^Changed my\.sdxl\.json \(one edit; the user can undo it\):\n- train_batch_size: 4 → 1\n/);
});

test('a bad argument or value is refused, naming it, and nothing is changed', () => {
  const r = proposeArgChanges(
    CONFIG,
    { train_batch_sizes: 1, rank: 'four', mixed_precision: 'fp8', gradient_checkpointing: 'maybe', resolution: 1.5, learning_rate: 1e-5 },
    'my.sdxl.json',
  );
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errors.length, 5, r.errors.join('\n'));
  assert.match(r.errors[0]!, /^train_batch_sizes: train_text_to_image_lora_sdxl\.py has no argument --train_batch_sizes \(in my\.sdxl\.json/);
  assert.match(r.errors[1]!, /^rank: rank takes a whole number\./);
  assert.match(r.errors[2]!, /^mixed_precision: mixed_precision must be one of: no, fp16, bf16\./);
  assert.match(r.errors[3]!, /^gradient_checkpointing: gradient_checkpointing is true or false\./);
  assert.match(r.errors[4]!, /^resolution: resolution takes a whole number\./);
  // Objects, and no change at all.
  const obj = proposeArgChanges(CONFIG, { rank: { a: 1 } });
  assert.ok(!obj.ok && /^rank: \{"a":1\} is not a value --rank takes \(int\)/.test(obj.errors[0]!));
  const same = proposeArgChanges(CONFIG, { train_batch_size: 4 });
  assert.ok(!same.ok && /^Nothing would change: the config already has train_batch_size = 4/.test(same.errors[0]!));
  const empty = proposeArgChanges(CONFIG, {});
  assert.ok(!empty.ok && /No arguments/.test(empty.errors[0]!));
  const broken = proposeArgChanges('{ "script": "nope" }', { rank: 4 }, 'x.sdxl.json');
  assert.ok(!broken.ok && /^x\.sdxl\.json: /.test(broken.errors[0]!));
});

test('the confirmation names the errors the change would leave on the arguments it changes', () => {
  const r = proposeArgChanges(CONFIG, { train_batch_size: 0 });
  assert.ok(r.ok);
  const confirm = proposalConfirmation('my.sdxl.json', r.changes, '', r.text);
  assert.match(confirm.message, /Reason given: \(none\)/);
  assert.match(confirm.message, /After the change the config would have these errors:\n- .*train_batch_size/);
});
