// How a run's secret environment values reach its training without run.json keeping them (secrets.ts): the wrapper's
// spawn environment for a run started now, a 0600 file for a queued one (gone once it starts or leaves the queue),
// and the run's config again for a resume. The training here prints what it got.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { SECRET_PLACEHOLDER, SECRETS_FILE, mergeSecrets, splitSecrets } from '../../src/core/supervisor/secrets';
import { Supervisor } from '../../src/core/supervisor/supervisor';
import type { LaunchPlan } from '../../src/core/supervisor/types';
import { fakePlan, waitFor, workspace, wrapperJs, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and file modes are Unix-only' : false };
const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
const NEWER = 'hf_FAKEnewertoken0123456789wxyz';

async function supervisor(ws: Workspace): Promise<Supervisor> {
  return new Supervisor({ recordsDir: ws.recordsDir, wrapperScript: await wrapperJs(), execPath: process.execPath, graceMs: 300 });
}

/** A training that prints the secret variables it got (and whether the wrapper's own channel leaked to it). */
function echoPlan(ws: Workspace, env: Record<string, string>): LaunchPlan {
  const script = join(ws.root, 'echo_env.py');
  writeFileSync(script, 'import os\nfor n in ("HF_TOKEN", "SDXL_RUN_SECRETS"):\n    print("%s=%s" % (n, os.environ.get(n, "<unset>")), flush=True)\n');
  return { argv: ['python3', script, '--output_dir', join(ws.root, 'out')], env, cwd: ws.root, script: 'lora' };
}

const consoleOf = (dir: string) => (existsSync(recordFiles(dir).console) ? readFileSync(recordFiles(dir).console, 'utf8') : '');
const ended = (dir: string) => ['succeeded', 'failed', 'stopped'].includes(readRecord(dir).state);

test('splitSecrets keeps placeholders in the plan; mergeSecrets puts the values back and leaves out lost ones', () => {
  const plan: LaunchPlan = { argv: ['a'], env: { HF_TOKEN: TOKEN, WANDB_API_KEY: 'k'.repeat(20), HF_HOME: '/hf' }, cwd: '/', script: 'lora' };
  const { plan: stored, secrets } = splitSecrets(plan);
  assert.deepEqual(stored.env, { HF_TOKEN: SECRET_PLACEHOLDER, WANDB_API_KEY: SECRET_PLACEHOLDER, HF_HOME: '/hf' });
  assert.deepEqual(secrets, { HF_TOKEN: TOKEN, WANDB_API_KEY: 'k'.repeat(20) });
  assert.deepEqual(mergeSecrets(stored.env, secrets), { env: plan.env, missing: [] });
  assert.deepEqual(mergeSecrets(stored.env, { HF_TOKEN: TOKEN }), { env: { HF_TOKEN: TOKEN, HF_HOME: '/hf' }, missing: ['WANDB_API_KEY'] });
  // A recorded plan (placeholders) gets values given for them; real values in the plan win.
  assert.deepEqual(splitSecrets(stored, { HF_TOKEN: NEWER }).secrets, { HF_TOKEN: NEWER });
  assert.deepEqual(splitSecrets(plan, { HF_TOKEN: NEWER }).secrets.HF_TOKEN, TOKEN);
});

test('a run started now gets its secrets through the wrapper, which passes on nothing else of them', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const { dir } = await sup.start(echoPlan(ws, { HF_TOKEN: TOKEN }));
  await waitFor(() => ended(dir), 'the run to end');
  assert.match(consoleOf(dir), new RegExp(`^HF_TOKEN=${TOKEN}$`, 'm'));
  assert.match(consoleOf(dir), /^SDXL_RUN_SECRETS=<unset>$/m);
  assert.equal(readRecord(dir).plan.env.HF_TOKEN, SECRET_PLACEHOLDER);
  assert.ok(!readFileSync(recordFiles(dir).run, 'utf8').includes(TOKEN));
});

test('a queued run keeps its secrets in a 0600 file until it starts; removed from the queue, the file goes', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const live = await sup.start(fakePlan(ws, ['--interval', '0.05'], {}));
  const { entry } = await sup.enqueue(echoPlan(ws, { HF_TOKEN: TOKEN }));
  assert.equal(entry.record.state, 'queued');
  const file = join(entry.dir, SECRETS_FILE);
  assert.equal((statSync(file).mode & 0o777).toString(8), '600');
  assert.ok(!readFileSync(recordFiles(entry.dir).run, 'utf8').includes(TOKEN));
  await sup.stop(entry.record.id);
  assert.equal(readRecord(entry.dir).state, 'stopped');
  assert.ok(!existsSync(file), 'a run taken off the queue loses its secrets file');

  // Queued again, it starts when the live run ends (the finishing wrapper's pump) and the file is taken.
  const again = await sup.enqueue(echoPlan(ws, { HF_TOKEN: TOKEN }));
  assert.ok(existsSync(join(again.entry.dir, SECRETS_FILE)));
  await sup.stop(live.record.id);
  await waitFor(() => ended(again.entry.dir), 'the queued run to start and end', 30_000);
  assert.match(consoleOf(again.entry.dir), new RegExp(`^HF_TOKEN=${TOKEN}$`, 'm'));
  assert.ok(!existsSync(join(again.entry.dir, SECRETS_FILE)));
});

test("a resume gets the secrets of the run's config as it is now; with no config the variable is left out, and said", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const config = join(ws.root, 'a.sdxl.json');
  writeFileSync(config, JSON.stringify({ script: 'lora', launch: { env: { HF_TOKEN: NEWER } }, args: {} }));
  const first = await sup.start(echoPlan(ws, { HF_TOKEN: TOKEN }), { configPath: config });
  await waitFor(() => ended(first.dir), 'the first run to end');
  const resumed = await sup.resume(first.record.id, () => 'checkpoint-1');
  await waitFor(() => ended(resumed.dir), 'the resumed run to end');
  assert.match(consoleOf(resumed.dir), new RegExp(`^HF_TOKEN=${NEWER}$`, 'm'));

  const orphan = await sup.start(echoPlan(ws, { HF_TOKEN: TOKEN }));
  await waitFor(() => ended(orphan.dir), 'the run without a config to end');
  const again = await sup.resume(orphan.record.id, () => 'checkpoint-1');
  await waitFor(() => ended(again.dir), 'its resume to end');
  const text = consoleOf(again.dir);
  assert.match(text, /^HF_TOKEN=<unset>$/m);
  assert.match(text, /^\[sdxl-trainer\] HF_TOKEN not passed to the training: run records do not keep secret values/m);
});
