import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnownSecrets, envSecrets, maskSecret, redactArgv, redactEnv, redactText, redactorOf, secretsOf } from '../../src/core/util/redact';

const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
const argv = ['accelerate', 'launch', 'train.py', '--hub_token', TOKEN, '--output_dir', 'out', '--hub_token=hf_second'];
const env = { HF_TOKEN: 'hf_FAKEenvtoken0123456789wxyz', WANDB_API_KEY: 'wandbkey', HF_HOME: '/data/hf' };

test('a secret is shown as hf_… and its last 4 characters at most; short ones not at all', () => {
  assert.equal(maskSecret(TOKEN), 'hf_…ghij');
  assert.equal(maskSecret('wandbFAKEkey0123456789'), '…6789');
  assert.equal(maskSecret('short'), '***');
  assert.equal(maskSecret(''), '***');
});

test('secret flag values are masked, both spellings', () => {
  assert.deepEqual(redactArgv(argv), ['accelerate', 'launch', 'train.py', '--hub_token', 'hf_…ghij', '--output_dir', 'out', '--hub_token=***']);
});

test('secret-looking environment variables are masked, others kept', () => {
  assert.deepEqual(redactEnv(env), { HF_TOKEN: 'hf_…wxyz', WANDB_API_KEY: '***', HF_HOME: '/data/hf' });
});

test('a message quoting the secrets loses them', () => {
  const secrets = secretsOf(argv, env);
  assert.deepEqual(secrets.sort(), [TOKEN, env.HF_TOKEN, 'hf_second', 'wandbkey'].sort());
  const msg = `spawn failed: accelerate launch --hub_token ${TOKEN} (HF_TOKEN=${env.HF_TOKEN}, WANDB_API_KEY=wandbkey)`;
  const out = redactText(msg, secrets);
  assert.equal(out, 'spawn failed: accelerate launch --hub_token hf_…ghij (HF_TOKEN=hf_…wxyz, WANDB_API_KEY=***)');
});

test('any Hugging Face token is masked, known or not, wherever it stands', () => {
  const line = `subprocess.CalledProcessError: Command '['/usr/bin/python3', 'train.py', '--hub_token', '${TOKEN}']' returned non-zero exit status 1.`;
  assert.equal(
    redactText(line),
    "subprocess.CalledProcessError: Command '['/usr/bin/python3', 'train.py', '--hub_token', 'hf_…ghij']' returned non-zero exit status 1.",
  );
  assert.equal(redactText(`--hub_token=${TOKEN}`), '--hub_token=hf_…ghij');
  assert.equal(redactText(`x_${TOKEN}.`), 'x_hf_…ghij.');
  // Not a token: too short, or part of a longer word.
  assert.equal(redactText('hf_hub_download and shf_abcdefghijklmnopqrstuvwxyz'), 'hf_hub_download and shf_abcdefghijklmnopqrstuvwxyz');
  // Masking twice changes nothing.
  assert.equal(redactText(redactText(line)), redactText(line));
});

test('a token cut off at the end of a truncated line is masked however short', () => {
  assert.equal(redactText('… --hub_token hf_FAKEtok', [], true), '… --hub_token ***');
  assert.equal(redactText('… --hub_token hf_FAKEtoken0123', [], true), '… --hub_token hf_…0123');
  assert.equal(redactText('… --hub_token hf_FAKEtok', [], false), '… --hub_token hf_FAKEtok');
});

test('a known secret that contains another is masked whole', () => {
  const redact = redactorOf(['secret-value-one', 'secret-value-one-and-more']);
  assert.equal(redact('x secret-value-one-and-more y secret-value-one'), 'x …more y …-one');
});

test('an environment gives its secret-looking values; KnownSecrets collects them once', () => {
  assert.deepEqual(envSecrets({ HF_TOKEN: 'abcd1234', PATH: '/bin', EMPTY_TOKEN: '', U_TOKEN: undefined }), ['abcd1234']);
  const known = new KnownSecrets(['abcd1234']);
  known.add(['abcd1234', 'xy', 'wandbFAKEkey0123456789']);
  assert.deepEqual(known.list, ['abcd1234', 'wandbFAKEkey0123456789']);
  assert.equal(known.redact('k=abcd1234 w=wandbFAKEkey0123456789 t=' + TOKEN), 'k=*** w=…6789 t=hf_…ghij');
});

test('secret variables are named by a whole word: TOKENIZERS_PARALLELISM is not one', () => {
  assert.deepEqual(
    Object.keys(
      redactEnv({
        HF_TOKEN: 'a',
        HUGGING_FACE_HUB_TOKEN: 'b',
        AWS_SECRET_ACCESS_KEY: 'c',
        DB_PASSWORD: 'd',
        OPENAI_API_KEY: 'e',
        TOKENIZERS_PARALLELISM: 'false',
        MY_TOKENS: 'x',
      }),
    ).filter((k) => redactEnv({ [k]: 'plain-value-123' })[k] !== 'plain-value-123'),
    ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'DB_PASSWORD', 'OPENAI_API_KEY'],
  );
  assert.deepEqual(envSecrets({ TOKENIZERS_PARALLELISM: 'false', HF_TOKEN: 'abcdefgh' }), ['abcdefgh']);
});
