// The GPU poller against the fake nvidia-smi (test/fixtures/fake-bin/nvidia-smi) and hand-written odd output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributeRunMemory, parseComputeApps, parseGpuQuery, queryComputeApps, queryGpuSample } from '../../src/core/monitor/gpuPoller';

const FAKE = join(__dirname, '..', 'fixtures', 'fake-bin', 'nvidia-smi');
const unixOnly = { skip: process.platform === 'win32' ? 'the fake nvidia-smi is a Python script with a shebang' : false };

test('parses query-gpu CSV with [N/A], units, junk and driver messages', () => {
  const out = [
    'NVIDIA-SMI has failed because it could not communicate with the driver',
    '1, 20000, 24564, 98, 71, 402.50',
    '0, [N/A], 81559 MiB, [Not Supported], 35, [N/A]',
    '',
    'x, 1, 2, 3, 4, 5',
    '2, 1, 2',
  ].join('\r\n');
  assert.deepEqual(parseGpuQuery(out), [
    { index: 0, memoryTotalMiB: 81559, temperatureC: 35 },
    { index: 1, memoryUsedMiB: 20000, memoryTotalMiB: 24564, utilizationPct: 98, temperatureC: 71, powerW: 402.5 },
  ]);
  assert.deepEqual(parseGpuQuery(''), []);
  assert.deepEqual(parseComputeApps('123, 4096\n456, [N/A]\nNo running processes found\n'), [{ pid: 123, usedMemoryMiB: 4096 }, { pid: 456 }]);
  // The uuid column: a GPU- or MIG- id is kept, [N/A] and junk are not.
  assert.deepEqual(parseGpuQuery('0, 1, 2, 3, 4, 5, GPU-5f3c2a1b-0000\n1, 1, 2, 3, 4, 5, [N/A]\n2, 1, 2, 3, 4, 5, rm -rf'), [
    { index: 0, memoryUsedMiB: 1, memoryTotalMiB: 2, utilizationPct: 3, temperatureC: 4, powerW: 5, uuid: 'GPU-5f3c2a1b-0000' },
    { index: 1, memoryUsedMiB: 1, memoryTotalMiB: 2, utilizationPct: 3, temperatureC: 4, powerW: 5 },
    { index: 2, memoryUsedMiB: 1, memoryTotalMiB: 2, utilizationPct: 3, temperatureC: 4, powerW: 5 },
  ]);
  assert.deepEqual(parseComputeApps('7, 100, MIG-ab12/1/0\n8, 200, [N/A]'), [
    { pid: 7, usedMemoryMiB: 100, gpuUuid: 'MIG-ab12/1/0' },
    { pid: 8, usedMemoryMiB: 200 },
  ]);
});

test("a run's memory goes on the GPU each of its processes runs on, by uuid", () => {
  const gpus = [
    { index: 0, uuid: 'GPU-a' },
    { index: 1, uuid: 'GPU-b' },
    { index: 2, uuid: 'GPU-c' },
  ];
  const apps = [
    { pid: 10, usedMemoryMiB: 1000, gpuUuid: 'GPU-b' },
    { pid: 11, usedMemoryMiB: 2000, gpuUuid: 'GPU-c' },
    { pid: 12, usedMemoryMiB: 500, gpuUuid: 'GPU-c' },
    { pid: 99, usedMemoryMiB: 7000, gpuUuid: 'GPU-a' }, // another user's process
  ];
  assert.deepEqual(
    attributeRunMemory(gpus, apps, new Set([10, 11, 12])).map((g) => [g.index, g.runMemoryMiB]),
    [
      [0, 0],
      [1, 1000],
      [2, 2500],
    ],
  );
  // No uuid (old driver) or a uuid outside the sample (a GPU the run was not given): the sample's first GPU.
  assert.deepEqual(
    attributeRunMemory(
      gpus.slice(1),
      [
        { pid: 10, usedMemoryMiB: 300 },
        { pid: 11, usedMemoryMiB: 40, gpuUuid: 'GPU-z' },
      ],
      new Set([10, 11]),
    ).map((g) => g.runMemoryMiB),
    [340, 0],
  );
  assert.deepEqual(attributeRunMemory([], apps, new Set([10])), []);
});

test('samples the fake nvidia-smi: idle, then with a registered process', unixOnly, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-poller-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, FAKE_GPU_COUNT: '2', FAKE_GPU_MEMORY_MIB: '24564', FAKE_GPU_STATE_DIR: dir };
  const idle = await queryGpuSample({ exec: FAKE, env });
  assert.ok(idle.ok, JSON.stringify(idle));
  assert.equal(idle.gpus.length, 2);
  assert.deepEqual(
    idle.gpus.map((g) => g.index),
    [0, 1],
  );
  assert.equal(idle.gpus[0]!.memoryTotalMiB, 24564);
  assert.equal(idle.gpus[0]!.utilizationPct, 0);
  const idleUsed = idle.gpus[1]!.memoryUsedMiB!;

  // The fake counts a live pid's registration (this test process) as a compute app on GPU 1.
  writeFileSync(join(dir, String(process.pid)), '1 8000\n');
  const busy = await queryGpuSample({ exec: FAKE, env });
  assert.ok(busy.ok);
  assert.equal(busy.gpus[1]!.memoryUsedMiB, idleUsed + 8000);
  assert.ok(busy.gpus[1]!.utilizationPct! > 0);
  assert.ok(busy.gpus[1]!.powerW! > idle.gpus[1]!.powerW!);
  assert.equal(busy.gpus[0]!.memoryUsedMiB, idle.gpus[0]!.memoryUsedMiB);
  const apps = await queryComputeApps({ exec: FAKE, env });
  assert.deepEqual(
    apps?.map(({ pid, usedMemoryMiB }) => ({ pid, usedMemoryMiB })),
    [{ pid: process.pid, usedMemoryMiB: 8000 }],
  );
  // The app names GPU 1 by its uuid, and the query-gpu row of GPU 1 carries the same uuid.
  assert.ok(
    busy.gpus.every((g) => g.uuid?.startsWith('GPU-')),
    JSON.stringify(busy.gpus),
  );
  assert.deepEqual(
    attributeRunMemory(busy.gpus, apps!, new Set([process.pid])).map((g) => g.runMemoryMiB),
    [0, 8000],
  );
});

test('a failing, missing or hanging nvidia-smi gives an error result, never a throw', unixOnly, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-poller-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const failed = await queryGpuSample({ exec: FAKE, env: { ...process.env, FAKE_NVIDIA_SMI_FAIL: '1' } });
  assert.equal(failed.ok, false);
  assert.match(!failed.ok ? failed.error : '', /couldn't communicate with the NVIDIA driver/);

  const none = await queryGpuSample({ exec: FAKE, env: { ...process.env, FAKE_GPU_COUNT: '0' } });
  assert.equal(none.ok, false);

  const missing = await queryGpuSample({ exec: join(dir, 'no-such-nvidia-smi') });
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.error, `${join(dir, 'no-such-nvidia-smi')} was not found`);
  const notOnPath = await queryGpuSample({ exec: 'no-such-nvidia-smi-xyz' });
  assert.equal(!notOnPath.ok && notOnPath.error, 'no-such-nvidia-smi-xyz was not found on PATH');
  assert.equal(await queryComputeApps({ exec: join(dir, 'no-such-nvidia-smi') }), undefined);

  const slow = join(dir, 'slow-smi');
  writeFileSync(slow, '#!/bin/sh\nexec sleep 10\n');
  chmodSync(slow, 0o755);
  const started = Date.now();
  const hung = await queryGpuSample({ exec: slow, timeoutMs: 300 });
  assert.equal(hung.ok, false);
  assert.ok(Date.now() - started < 5_000, 'the timeout ends the call');
});
