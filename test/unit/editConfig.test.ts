import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { argumentPrompt, isJsonNumberText, parseArgumentInput, setArgument, setArgumentEdits } from '../../src/core/config/editConfig';
import { detectFormatting } from '../../src/core/config/fixes';
import { SCRIPT_KINDS, SCRIPTS } from '../../src/core/scripts/scriptTables';

const text = `// my config
{
    "script": "lora",
    "args": {
        // the base model
        "pretrained_model_name_or_path": "stabilityai/stable-diffusion-xl-base-1.0",
        "learning_rate": 1e-4 // trailing comment
    }
}
`;

test('setting an existing argument keeps comments and other values', () => {
  const out = setArgument(text, 'learning_rate', 5e-5);
  assert.match(out, /\/\/ my config/);
  assert.match(out, /\/\/ the base model/);
  assert.deepEqual(parse(out).args, { pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0', learning_rate: 5e-5 });
});

test('adding an argument uses the file indentation', () => {
  const out = setArgument(text, 'rank', 16);
  assert.equal(parse(out).args.rank, 16);
  assert.match(out, /\n {8}"rank": 16/);
  assert.deepEqual(detectFormatting(text), { insertSpaces: true, tabSize: 4, eol: '\n' });
});

test('removing an argument', () => {
  const out = setArgument(text, 'learning_rate', undefined);
  assert.equal('learning_rate' in parse(out).args, false);
  assert.match(out, /\/\/ the base model/);
});

test('adding to a config without args creates the object', () => {
  const out = setArgument('{ "script": "full" }', 'resolution', 512);
  assert.deepEqual(parse(out), { script: 'full', args: { resolution: 512 } });
});

test('hostile strings are stored exactly', () => {
  const hostile = `a "quoted" $(rm -rf /) \`tick\`; line\nnext – ünïcode`;
  const out = setArgument(text, 'validation_prompt', hostile);
  assert.equal(parse(out).args.validation_prompt, hostile);
});

test('input parsing follows the argument type and choices', () => {
  const lora = SCRIPTS.lora.byDest;
  assert.deepEqual(parseArgumentInput(lora.get('rank')!, '16'), { ok: true, value: 16 });
  assert.equal(parseArgumentInput(lora.get('rank')!, '1.5').ok, false);
  assert.deepEqual(parseArgumentInput(lora.get('learning_rate')!, '1e-6'), { ok: true, value: 1e-6, asTyped: '1e-6' });
  assert.equal(parseArgumentInput(lora.get('learning_rate')!, 'fast').ok, false);
  assert.deepEqual(parseArgumentInput(lora.get('mixed_precision')!, 'bf16'), { ok: true, value: 'bf16' });
  assert.equal(parseArgumentInput(lora.get('mixed_precision')!, 'fp64').ok, false);
  assert.deepEqual(parseArgumentInput(lora.get('gradient_checkpointing')!, 'true'), { ok: true, value: true });
  assert.deepEqual(parseArgumentInput(lora.get('output_dir')!, ''), { ok: true, value: undefined });
  assert.deepEqual(parseArgumentInput(lora.get('output_dir')!, ' ./out dir '), { ok: true, value: ' ./out dir ' });
});

test('a number is written as typed when that is valid JSON (5e-5 stays 5e-5)', () => {
  const lr = SCRIPTS.lora.byDest.get('learning_rate')!;
  const typed = (input: string, into = text): string => {
    const r = parseArgumentInput(lr, input);
    assert.ok(r.ok, input);
    return setArgument(into, 'learning_rate', r.value, r.asTyped);
  };
  const replaced = typed('5e-5');
  assert.match(replaced, /"learning_rate": 5e-5 \/\/ trailing comment/);
  assert.equal(parse(replaced).args.learning_rate, 5e-5);
  const added = typed('1E-4', '{\n  "script": "lora",\n  "args": {}\n}\n');
  assert.match(added, /\n {4}"learning_rate": 1E-4\n/);
  assert.equal(parse(added).args.learning_rate, 1e-4);
  // Not valid JSON as typed: the number is written the standard way.
  assert.match(typed('.5'), /"learning_rate": 0\.5 /);
  assert.match(typed('+2e-5'), /"learning_rate": 0\.00002 /);
  assert.match(setArgument(text, 'rank', 16), /"rank": 16/);
  assert.deepEqual(parseArgumentInput(SCRIPTS.lora.byDest.get('rank')!, '007'), { ok: true, value: 7 });
  // asTyped that is not the value is ignored, never written.
  assert.match(setArgument(text, 'learning_rate', 0.001, '5e-5'), /"learning_rate": 0\.001 /);
  assert.equal(setArgumentEdits(text, 'learning_rate', 5e-5, '5e-5').length, 1);
  for (const ok of ['0', '-1', '5e-5', '1.25E+10', '0.5']) assert.ok(isJsonNumberText(ok), ok);
  for (const bad of ['.5', '5.', '+1', '05', '1e', 'NaN', '0x10', ' 1']) assert.ok(!isJsonNumberText(bad), bad);
});

test('every argument gets a real prompt (arguments without help text too)', () => {
  for (const kind of SCRIPT_KINDS) {
    for (const spec of SCRIPTS[kind].args) {
      const prompt = argumentPrompt(spec);
      assert.doesNotMatch(prompt, /^(null|undefined)\b|\bnull \(/, `${kind} ${spec.dest}: ${prompt}`);
      assert.match(prompt, /leave empty to remove it/);
    }
  }
  const epochs = argumentPrompt(SCRIPTS.lora.byDest.get('num_train_epochs')!);
  assert.match(epochs, /^Number of passes over the training data/);
  assert.match(epochs, /Enter a whole number, or leave empty to remove it \(default: 100\)\.$/);
  assert.match(argumentPrompt(SCRIPTS.lora.byDest.get('local_rank')!), /^For distributed training: local_rank\. Enter/);
  assert.match(argumentPrompt(SCRIPTS.lora.byDest.get('output_dir')!), /\(default: sd-model-finetuned-lora\)\.$/);
  assert.match(argumentPrompt(SCRIPTS.lora.byDest.get('validation_prompt')!), /\(default: not passed\)\.$/);
});
