import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactArgv, redactEnv, redactText, secretsOf } from '../../src/core/redact';

const argv = ['accelerate', 'launch', 'train.py', '--hub_token', 'hf_abcdef123', '--output_dir', 'out', '--hub_token=hf_second'];
const env = { HF_TOKEN: 'hf_env_token', WANDB_API_KEY: 'wandbkey', HF_HOME: '/data/hf' };

test('secret flag values are replaced, both spellings', () => {
  assert.deepEqual(redactArgv(argv), ['accelerate', 'launch', 'train.py', '--hub_token', '***', '--output_dir', 'out', '--hub_token=***']);
});

test('secret-looking environment variables are replaced, others kept', () => {
  assert.deepEqual(redactEnv(env), { HF_TOKEN: '***', WANDB_API_KEY: '***', HF_HOME: '/data/hf' });
});

test('a message quoting the secrets loses them', () => {
  const secrets = secretsOf(argv, env);
  assert.deepEqual(secrets.sort(), ['hf_abcdef123', 'hf_env_token', 'hf_second', 'wandbkey'].sort());
  const msg = `spawn failed: accelerate launch --hub_token hf_abcdef123 (HF_TOKEN=hf_env_token)`;
  const out = redactText(msg, secrets);
  assert.ok(!out.includes('hf_abcdef123') && !out.includes('hf_env_token'), out);
  assert.match(out, /--hub_token \*\*\*/);
});
