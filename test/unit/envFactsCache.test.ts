// The editor's environment facts (core/env/envFactsCache): answered at once, a background probe per interpreter
// (one however many configs ask), nothing run when untrusted, and expiry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvFactsCache, FACTS_TTL_MS } from '../../src/core/env/envFactsCache';
import type { EnvProbe, ProbeRequest, ProbeResult } from '../../src/core/env/probe';

const probe: EnvProbe = {
  python: { version: '3.11.0', executable: '/v/bin/python', prefix: '/v' },
  packages: {
    torch: '2.1.0',
    torchvision: '0.16.0',
    diffusers: '0.27.2',
    accelerate: '0.28.0',
    transformers: '4.39.0',
    peft: '0.10.0',
    datasets: null,
    tensorboard: null,
    xformers: null,
    bitsandbytes: null,
    wandb: null,
  },
  brokenImports: {},
  torch: { version: '2.1.0', cuda: null, cudaAvailable: false, gpus: [], cudaError: null },
  accelerateConfig: { path: '/hf/accelerate/default_config.yaml', explicit: false, exists: true, values: {}, error: null },
  metadataError: null,
};

function setup(trusted = true) {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-env-cache-'));
  writeFileSync(join(dir, 'train.py'), 'check_min_version("0.27.0")\n');
  const requests: ProbeRequest[] = [];
  let release: (() => void) | undefined;
  const gate = new Promise<void>((r) => (release = r));
  const arrived: string[][] = [];
  let now = 1000;
  const cache = new EnvFactsCache({
    maySpawn: () => trusted,
    onArrived: (keys) => arrived.push(keys),
    env: { PATH: '' },
    now: () => now,
    run: async (req): Promise<ProbeResult> => {
      requests.push(req);
      await gate;
      return { ok: true, probe };
    },
  });
  const text = (python: string) => JSON.stringify({ script: 'dreambooth-lora', launch: { python, scriptPath: 'train.py', env: { HF_HOME: '/hf' } }, args: {} });
  return { dir, cache, requests, arrived, release: () => release!(), text, tick: (ms: number) => (now += ms) };
}

test('one background probe per interpreter, answered at once; the documents waiting are named when it arrives', async () => {
  const s = setup();
  const a = join(s.dir, 'a.sdxl.json');
  const b = join(s.dir, 'b.sdxl.json');
  assert.equal(s.cache.current('A', s.text('/v/bin/python'), a), undefined);
  assert.equal(s.cache.current('B', s.text('/v/bin/python'), b), undefined);
  assert.equal(s.requests.length, 1, 'the second config shares the first one’s probe');
  assert.equal(s.requests[0]!.env.HF_HOME, '/hf', "the probe gets the run's environment");
  s.release();
  await new Promise<void>((r) => {
    const poll = () => (s.arrived.length > 0 ? r() : setImmediate(poll));
    poll();
  });
  assert.deepEqual(s.arrived[0]!.sort(), ['A', 'B']);
  const facts = s.cache.current('A', s.text('/v/bin/python'), a)!;
  assert.equal(facts.python, '/v/bin/python');
  assert.equal(facts.diffusersMinimum, '0.27.0');
  assert.equal(facts.probe.packages.diffusers, '0.27.2');
  assert.equal(s.requests.length, 1);
  // Another interpreter is another probe; expiry probes again.
  s.cache.current('C', s.text('/w/bin/python'), a);
  assert.equal(s.requests.length, 2);
  s.tick(FACTS_TTL_MS + 1);
  assert.ok(s.cache.current('A', s.text('/v/bin/python'), a), 'the stale answer is still used while a new probe runs');
  assert.equal(s.requests.length, 3);
  // A pip install in it: forgotten, its documents checked again.
  s.cache.invalidate('/v/bin/python');
  assert.deepEqual(s.arrived.at(-1)?.sort(), ['A', 'B']);
});

test('an untrusted workspace runs no probe', () => {
  const s = setup(false);
  assert.equal(s.cache.current('A', s.text('/v/bin/python'), join(s.dir, 'a.sdxl.json')), undefined);
  assert.equal(s.requests.length, 0);
  assert.equal(s.cache.current('A', s.text('/v/bin/python'), undefined), undefined, 'an unsaved config names no files');
});

test("a simulated run's config (the demo's stand-in trainer) runs no probe and gets no environment facts", () => {
  const s = setup();
  const text = JSON.stringify({ script: 'lora', launch: { python: '/v/bin/python', scriptPath: 'train.py', env: { SDXL_STANDIN_TRAINER: '1' } }, args: {} });
  assert.equal(s.cache.current('A', text, join(s.dir, 'a.sdxl.json')), undefined);
  assert.equal(s.requests.length, 0);
});
