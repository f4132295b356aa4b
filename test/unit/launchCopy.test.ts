// The Launch Command view's Copy (issue 8, item 14): exactly what Start runs (working folder, environment additions,
// argv), read back by a real bash, with secrets masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { buildLaunchPlan } from '../../src/core/launch/launchPlan';
import { copyableCommand } from '../../src/core/launch/launchCopy';
import { maskSecret } from '../../src/core/util/redact';
import { repoRoot } from './repoRoot';

const ECHO_BIN = join(repoRoot(), 'test', 'fixtures', 'argv-echo-bin');
const TOKEN = 'hf_FAKEfakeFAKEfakeFAKEfakeFAKEfake9z8y';

function runBash(line: string, names: string[]): { argv: string[]; cwd: string; env: Record<string, string | null> } {
  const out = execFileSync('bash', ['-c', line], {
    env: { ...process.env, PATH: ECHO_BIN + delimiter + (process.env.PATH ?? ''), FAKE_ACCELERATE_ENV: names.join(','), PYTHONUNBUFFERED: '' },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

test('masked secrets show hf_… and the last 4 characters at most', () => {
  assert.equal(maskSecret(TOKEN), 'hf_…9z8y');
  assert.equal(maskSecret('0123456789abcdef'), '…cdef');
  assert.equal(maskSecret('short'), '***');
});

test('the copied bash command runs what Start runs: in its folder, with its environment, the same argv', () => {
  const dir = mkdtempSync(join(tmpdir(), "sdxl copy 'dir' "));
  try {
    const plan = buildLaunchPlan(
      {
        script: 'lora',
        launch: { cwd: dir, env: { HF_HOME: '/h f', 'ODD.NAME': 'x' } },
        args: { pretrained_model_name_or_path: 'm', validation_prompt: "a 'dog' $(x)", train_data_dir: 'd' },
      },
      join(dir, 'a.sdxl.json'),
      { platform: 'linux' },
    );
    const copy = copyableCommand(plan);
    assert.deepEqual(copy.masked, []);
    const got = runBash(copy.bash, Object.keys(plan.env));
    assert.deepEqual(got, { argv: plan.argv.slice(1), cwd: dir, env: plan.env });
    assert.match(copy.powershell, /^Set-Location -LiteralPath '.*'\n\$\{env:HF_HOME\} = '\/h f'\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Hub token in argv or the environment is copied masked, never whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-copy-'));
  try {
    const plan = buildLaunchPlan(
      {
        script: 'lora',
        launch: { cwd: dir, env: { HF_TOKEN: TOKEN } },
        args: { pretrained_model_name_or_path: 'm', hub_token: TOKEN, validation_prompt: `uses ${TOKEN}` },
      },
      join(dir, 'a.sdxl.json'),
      { platform: 'linux' },
    );
    const copy = copyableCommand(plan);
    assert.deepEqual(copy.masked, ['hf_…9z8y']);
    for (const text of [copy.bash, copy.powershell]) assert.ok(!text.includes(TOKEN) && !text.includes('FAKEfake'), text);
    const got = runBash(copy.bash, ['HF_TOKEN']);
    // hub_token goes to the training as HF_TOKEN in its environment, never in argv (launchPlan.ts).
    assert.equal(
      plan.argv.some((w) => w.startsWith('--hub_token')),
      false,
    );
    assert.equal(got.argv[got.argv.indexOf('--validation_prompt') + 1], 'uses hf_…9z8y');
    assert.deepEqual(got.env, { HF_TOKEN: 'hf_…9z8y' });
    assert.equal(got.cwd, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
