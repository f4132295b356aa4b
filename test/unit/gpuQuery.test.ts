import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseNvidiaSmiCsv, queryGpus } from '../../src/core/gpu/gpuQuery';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const FAKE = join(repoRoot(), 'test/fixtures/fake-nvidia-smi-memory/nvidia-smi');

async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(old))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

test('parses nvidia-smi CSV robustly', () => {
  const out = '0, NVIDIA H100 80GB HBM3, 81559\r\n\n1, Weird, Name, With Commas, 24564 MiB\n2, Broken GPU, [N/A]\nnot a line\n';
  assert.deepEqual(parseNvidiaSmiCsv(out), [
    { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryTotalMiB: 81559 },
    { index: 1, name: 'Weird, Name, With Commas', memoryTotalMiB: 24564 },
  ]);
  assert.deepEqual(parseNvidiaSmiCsv(''), []);
});

test('runs nvidia-smi with the query arguments', async () => {
  const gpus = await withEnv({ FAKE_SMI_OUTPUT: '0, Tesla T4, 15360\n1, NVIDIA A100-SXM4-40GB, 40960\n' }, () => queryGpus(FAKE));
  assert.deepEqual(
    gpus?.map((g) => [g.index, g.name, g.memoryTotalMiB]),
    [
      [0, 'Tesla T4', 15360],
      [1, 'NVIDIA A100-SXM4-40GB', 40960],
    ],
  );
});

test('missing, failing or hanging nvidia-smi gives undefined', async () => {
  assert.equal(await queryGpus(join(repoRoot(), 'test/fixtures/fake-nvidia-smi-memory/does-not-exist')), undefined);
  assert.equal(await withEnv({ FAKE_SMI_EXIT: '9' }, () => queryGpus(FAKE)), undefined);
  assert.equal(await withEnv({ FAKE_SMI_SLEEP_MS: '5000' }, () => queryGpus(FAKE, 300)), undefined);
});
