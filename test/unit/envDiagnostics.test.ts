// Config diagnostics fed by the environment probe (diagnostics/envRules.ts): packages a config asks for that its
// interpreter lacks, and a diffusers older than the script's minimum; and the facts reach the validation worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repoRoot';
import { validateConfig, type Diagnostic } from '../../src/core/diagnostics';
import { serveValidation, ValidationService, type ValidationWorker } from '../../src/core/diagnostics/validationService';
import { parseProbeOutput, type EnvProbe } from '../../src/core/env/probe';
import { PROBE_MARKER } from '../../src/core/env/probeSource';
import type { EnvironmentFacts } from '../../src/core/env/facts';

function fixtureProbe(name: string): EnvProbe {
  const text = readFileSync(join(repoRoot(), 'test', 'fixtures', 'fake-python', name, 'python'), 'latin1');
  const p = parseProbeOutput(text.slice(text.indexOf(PROBE_MARKER)).split('\\n')[0]!);
  assert.ok(!('error' in p));
  return p;
}

const env = (name: string, more: Partial<EnvironmentFacts> = {}): EnvironmentFacts => ({ python: '/v/bin/python', probe: fixtureProbe(name), ...more });
const config = (args: Record<string, unknown>, launch: Record<string, unknown> = {}): string =>
  JSON.stringify({ script: 'dreambooth-lora', launch, args }, null, 2);
const envDiags = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.code.startsWith('env-'));

test('env-missing-package: use_8bit_adam without a working bitsandbytes, report_to tensorboard without tensorboard, xformers, wandb', () => {
  const text = config({ use_8bit_adam: true, report_to: 'tensorboard', enable_xformers_memory_efficient_attention: true });
  const ds = envDiags(validateConfig(text, { environment: env('cuda') }));
  const at = (path: string) => ds.find((d) => d.path === path);
  const bnb = at('/args/use_8bit_adam')!;
  assert.equal(bnb.code, 'env-missing-package');
  assert.equal(bnb.severity, 'error');
  assert.match(
    bnb.message,
    /bitsandbytes 0\.43\.0 is installed in \/v\/bin\/python but does not import: RuntimeError.*use_8bit_adam is on: the script stops\. Install it: \/v\/bin\/python -m pip install --upgrade bitsandbytes/,
  );
  assert.deepEqual(bnb.fix, { title: 'Turn off use_8bit_adam (plain AdamW)', edits: [{ op: 'remove', path: '/args/use_8bit_adam' }] });
  const tb = at('/args/report_to')!;
  assert.equal(tb.severity, 'warning');
  assert.match(
    tb.message,
    /tensorboard is not installed in \/v\/bin\/python, and report_to is tensorboard: the run would log no curves\. Install it: \/v\/bin\/python -m pip install tensorboard/,
  );
  assert.equal(at('/args/enable_xformers_memory_efficient_attention')?.severity, 'error');
  assert.equal(ds.length, 3, JSON.stringify(ds.map((d) => d.message)));
  // The range is the value that asks.
  assert.equal(text.slice(bnb.offset, bnb.offset + bnb.length), 'true');

  const wandb = envDiags(validateConfig(config({ report_to: 'wandb' }), { environment: env('cuda') }));
  assert.deepEqual(
    wandb.map((d) => [d.code, d.path, d.severity]),
    [['env-missing-package', '/args/report_to', 'error']],
  );
});

test('env-diffusers-too-old: a diffusers older than the script demands, on launch.scriptPath; nothing without facts or when all is there', () => {
  const text = config({ report_to: 'tensorboard' }, { scriptPath: 'train.py' });
  const ds = envDiags(validateConfig(text, { environment: env('good', { diffusersMinimum: '0.27.0', scriptPath: '/w/train.py' }) }));
  assert.deepEqual(
    ds.map((d) => [d.code, d.path]),
    [['env-diffusers-too-old', '/launch/scriptPath']],
  );
  assert.match(
    ds[0]!.message,
    /diffusers 0\.26\.3 in \/v\/bin\/python is older than 0\.27\.0, which the script demands \(check_min_version in \/w\/train\.py\): it stops at import\. Upgrade it: \/v\/bin\/python -m pip install 'diffusers>=0\.27\.0'$/,
  );
  assert.deepEqual(envDiags(validateConfig(text)), [], 'no facts, no environment diagnostics');
  assert.deepEqual(envDiags(validateConfig(text, { environment: env('good', { diffusersMinimum: '0.26.0' }) })), []);
});

/** The worker's side (serveValidation) run in this thread, posting through the same message shapes. */
class InThreadWorker extends EventEmitter {
  private readonly side = new EventEmitter();
  constructor() {
    super();
    serveValidation({ on: (_e, l) => this.side.on('message', l), postMessage: (reply) => queueMicrotask(() => this.emit('message', reply)) });
  }
  postMessage(req: unknown): void {
    // Through structured clone, as a real worker gets it: the facts must be plain data.
    this.side.emit('message', structuredClone(req));
  }
  terminate(): Promise<number> {
    return Promise.resolve(1);
  }
  ref(): void {}
  unref(): void {}
}

test('the environment facts reach the validation worker and its answer', async () => {
  const service = new ValidationService(() => new InThreadWorker() as unknown as ValidationWorker);
  const ds = await service.validate('k', config({ use_8bit_adam: true }), { environment: env('good') });
  assert.deepEqual(
    envDiags(ds).map((d) => d.path),
    ['/args/use_8bit_adam'],
  );
  service.dispose();
});
