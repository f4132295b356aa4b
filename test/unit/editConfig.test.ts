import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'jsonc-parser';
import { parseArgumentInput, setArgument } from '../../src/core/editConfig';
import { detectFormatting } from '../../src/core/fixes';
import { SCRIPTS } from '../../src/core/scripts';

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
  assert.deepEqual(parseArgumentInput(lora.get('learning_rate')!, '1e-6'), { ok: true, value: 1e-6 });
  assert.equal(parseArgumentInput(lora.get('learning_rate')!, 'fast').ok, false);
  assert.deepEqual(parseArgumentInput(lora.get('mixed_precision')!, 'bf16'), { ok: true, value: 'bf16' });
  assert.equal(parseArgumentInput(lora.get('mixed_precision')!, 'fp64').ok, false);
  assert.deepEqual(parseArgumentInput(lora.get('gradient_checkpointing')!, 'true'), { ok: true, value: true });
  assert.deepEqual(parseArgumentInput(lora.get('output_dir')!, ''), { ok: true, value: undefined });
  assert.deepEqual(parseArgumentInput(lora.get('output_dir')!, ' ./out dir '), { ok: true, value: ' ./out dir ' });
});
