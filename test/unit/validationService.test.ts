// The extension validates configs in a worker thread, newest text first: checked here with the bundled worker
// (as scripts/build.mjs builds dist/validateWorker.js) and, for the ordering rules, with a stand-in worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerBundle } from '../workerBundle';
import { validateConfig, type Diagnostic } from '../../src/core/diagnostics';
import { ValidationService, type ValidationWorker } from '../../src/core/diagnostics/validationService';

const MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';

function workerJs(): Promise<string> {
  return workerBundle('validateWorker');
}

function config(args: Record<string, unknown>): string {
  return JSON.stringify({ script: 'lora', args: { pretrained_model_name_or_path: MODEL, train_data_dir: 'data', ...args } }, null, 2);
}

test('the bundled worker gives exactly the diagnostics of validateConfig, output folder listing included', async (t) => {
  const file = await workerJs();
  const service = new ValidationService(() => new Worker(file));
  t.after(() => service.dispose());
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-validate-ws-'));
  mkdirSync(join(dir, 'out', 'checkpoint-final'), { recursive: true });
  const configPath = join(dir, 'a.sdxl.json');
  const text = config({ output_dir: 'out', learnig_rate: 1e-4, checkpoints_total_limit: 2, train_batch_size: 'two' });
  writeFileSync(configPath, text);
  const got = await service.validate('a', text, { configPath, gpus: [{ index: 0, name: 'tiny', memoryTotalMiB: 1024 }] });
  const listDir = (p: string): string[] | undefined => (p === join(dir, 'out') ? ['checkpoint-final'] : undefined);
  assert.deepEqual(got, validateConfig(text, { configPath, listDir, gpus: [{ index: 0, name: 'tiny', memoryTotalMiB: 1024 }] }));
  for (const code of ['output-dir-checkpoint-names', 'memory-exceeds-gpu', 'unknown-key', 'type'])
    assert.ok(
      got.some((d) => d.code === code),
      code,
    );
});

test('an edit cancels the check of the text it replaced: the worker is ended and both callers get the newest answer', async (t) => {
  const file = await workerJs();
  const service = new ValidationService(() => new Worker(file));
  t.after(() => service.dispose());
  const huge = config(Object.fromEntries(Array.from({ length: 40_000 }, (_, i) => [`unknown_option_${i}`, i])));
  const small = config({ seed: 'x' });
  const first = service.validate('doc', huge);
  const second = service.validate('doc', small);
  const expected = validateConfig(small);
  assert.deepEqual(await first, expected);
  assert.deepEqual(await second, expected);
  assert.equal(service.cancelled, 1);
});

/** A worker that answers only when the test says so. */
class StandIn extends EventEmitter {
  posted: Array<{ id: number; text: string }> = [];
  terminated = false;
  postMessage(m: { id: number; text: string }): void {
    this.posted.push(m);
  }
  answer(diagnostics: Diagnostic[]): void {
    this.emit('message', { id: this.posted[this.posted.length - 1]!.id, diagnostics });
  }
  terminate(): Promise<number> {
    this.terminated = true;
    return Promise.resolve(1);
  }
  ref(): void {}
  unref(): void {}
}

const diag = (message: string): Diagnostic => ({ severity: 'error', code: 'x', message, path: '', offset: 0, length: 0, line: 1, column: 1 });

test('one check at a time: other documents wait their turn (not cancelled), and only the newest waiting text of each is checked', async () => {
  const workers: StandIn[] = [];
  const service = new ValidationService(() => {
    workers.push(new StandIn());
    return workers[workers.length - 1]! as unknown as ValidationWorker;
  });
  const a = service.validate('a', 'A1');
  const b1 = service.validate('b', 'B1');
  const b2 = service.validate('b', 'B2');
  assert.equal(workers.length, 1);
  assert.deepEqual(
    workers[0]!.posted.map((m) => m.text),
    ['A1'],
  );
  workers[0]!.answer([diag('a')]);
  assert.deepEqual(await a, [diag('a')]);
  // B1 never started: B2 replaced it while it waited.
  assert.deepEqual(
    workers[0]!.posted.map((m) => m.text),
    ['A1', 'B2'],
  );
  workers[0]!.answer([diag('b2')]);
  assert.deepEqual(await b1, [diag('b2')]);
  assert.deepEqual(await b2, [diag('b2')]);
  assert.equal(service.cancelled, 0);
  assert.equal(workers[0]!.terminated, false);
  service.dispose();
});

test('a worker that dies fails its check with a reason; the next check starts a new worker', async () => {
  const workers: StandIn[] = [];
  const service = new ValidationService(() => {
    workers.push(new StandIn());
    return workers[workers.length - 1]! as unknown as ValidationWorker;
  });
  const lost = service.validate('a', 'A1');
  workers[0]!.emit('exit', 134);
  await assert.rejects(lost, /the validation worker exited with code 134/);
  const next = service.validate('a', 'A2');
  assert.equal(workers.length, 2);
  workers[1]!.answer([diag('ok')]);
  assert.deepEqual(await next, [diag('ok')]);
  const pending = service.validate('a', 'A3');
  service.dispose();
  await assert.rejects(pending, /stopped/);
  assert.equal(workers[1]!.terminated, true);
});
