// The config diagnostics fed by the Hub checks (diagnostics/hubRules.ts): hub-not-found, hub-gated, hub-unauthorized
// from the answers passed in ValidationOptions.hub, none when the Hub was not reached, and local folders checked on
// disk instead of on the Hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type Diagnostic, type HubFacts } from '../../src/core/diagnostics';
import { serveValidation } from '../../src/core/diagnostics/validationService';
import type { HubCheck } from '../../src/core/hub/hubCheck';

const MODEL = 'stabilityai/stable-diffusion-xl-base-1.0';
const VAE = 'madebyollin/sdxl-vae-fp16-fix';
const DATA = 'lambdalabs/naruto-blip-captions';

function text(args: Record<string, unknown>): string {
  return JSON.stringify({ script: 'full', args: { pretrained_model_name_or_path: MODEL, dataset_name: DATA, output_dir: 'out', ...args } }, null, 2);
}

const hubCodes = (ds: Diagnostic[]) => ds.filter((d) => d.code.startsWith('hub-') || d.code.includes('folder')).map((d) => `${d.severity} ${d.code} ${d.path}`);

function facts(checks: Record<string, HubCheck>): HubFacts {
  return { endpoint: 'https://hub.example', checks };
}

test('Hub answers become diagnostics on the value: not found, gated with and without a token, unauthorized, refused token', () => {
  const t = text({ pretrained_vae_model_name_or_path: VAE });
  const ds = validateConfig(t, {
    hub: facts({
      [`model:${MODEL}`]: { status: 'not-found', withToken: true },
      [`model:${VAE}`]: { status: 'gated', withToken: true, gated: 'manual' },
      [`dataset:${DATA}`]: { status: 'unauthorized', withToken: false },
    }),
  });
  assert.deepEqual(hubCodes(ds), [
    'error hub-not-found /args/pretrained_model_name_or_path',
    'warning hub-unauthorized /args/dataset_name',
    'error hub-gated /args/pretrained_vae_model_name_or_path',
  ]);
  const byCode = (c: string) => ds.find((d) => d.code === c)!;
  assert.match(byCode('hub-not-found').message, /Model "stabilityai\/stable-diffusion-xl-base-1\.0" does not exist on the Hub \(https:\/\/hub\.example\)/);
  assert.match(byCode('hub-gated').message, /request access on https:\/\/hub\.example\/madebyollin\/sdxl-vae-fp16-fix/);
  assert.match(byCode('hub-unauthorized').message, /Dataset .* not found without a token: it does not exist, or it is private\. Sign in to Hugging Face/);
  // The diagnostic's range is the value in the text.
  const nf = byCode('hub-not-found');
  assert.equal(t.slice(nf.offset, nf.offset + nf.length), JSON.stringify(MODEL));

  const gatedNoToken = validateConfig(text({}), { hub: facts({ [`model:${MODEL}`]: { status: 'gated', withToken: false, gated: 'auto' } }) });
  assert.deepEqual(hubCodes(gatedNoToken), ['warning hub-gated /args/pretrained_model_name_or_path']);
  assert.match(gatedNoToken[0]!.message, /request access on https:\/\/hub\.example\/stabilityai.*sign in to Hugging Face/);
  const refused = validateConfig(text({}), { hub: facts({ [`model:${MODEL}`]: { status: 'unauthorized', withToken: true, tokenRefused: true } }) });
  assert.deepEqual(hubCodes(refused), ['error hub-unauthorized /args/pretrained_model_name_or_path']);
  assert.match(refused[0]!.message, /refused your Hugging Face token \(invalid or expired\)/);
  assert.match(
    validateConfig(text({}), { hub: facts({ [`dataset:${DATA}`]: { status: 'gated', withToken: true, gated: 'auto' } }) })[0]!.message,
    /hub\.example\/datasets\/lambdalabs/,
  );
});

test('no diagnostic when the Hub was not reached, the id exists, or nothing was checked', () => {
  const unreachable: HubCheck = { status: 'unreachable', withToken: false, reason: 'no answer within 5 s' };
  assert.deepEqual(hubCodes(validateConfig(text({}), { hub: facts({ [`model:${MODEL}`]: unreachable, [`dataset:${DATA}`]: unreachable }) })), []);
  assert.deepEqual(hubCodes(validateConfig(text({}), { hub: facts({ [`model:${MODEL}`]: { status: 'exists', withToken: false } }) })), []);
  assert.deepEqual(hubCodes(validateConfig(text({}))), []);
  // A dataset id is looked up as a dataset: the model's answer for the same name does not apply.
  assert.deepEqual(hubCodes(validateConfig(text({ dataset_name: MODEL }), { hub: facts({ [`model:${MODEL}`]: { status: 'exists', withToken: false } }) })), []);
});

test('local folders are checked on disk, never on the Hub: model_index.json for a model, config.json for a VAE, a dataset folder exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-hub-diag-'));
  mkdirSync(join(dir, 'models', 'good'), { recursive: true });
  writeFileSync(join(dir, 'models', 'good', 'model_index.json'), '{}');
  mkdirSync(join(dir, 'models', 'empty'), { recursive: true });
  mkdirSync(join(dir, 'vae'), { recursive: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  // A folder named like a Hub id, where the run starts: the script loads the folder.
  mkdirSync(join(dir, 'org', 'name'), { recursive: true });
  const configPath = join(dir, 'a.sdxl.json');
  const listDir = (p: string) => {
    try {
      return readdirSync(p);
    } catch {
      return undefined;
    }
  };
  const everythingMissing = facts({ [`model:org/name`]: { status: 'not-found', withToken: true } });
  const check = (args: Record<string, unknown>) => hubCodes(validateConfig(text(args), { configPath, listDir, hub: everythingMissing }));
  assert.deepEqual(check({ pretrained_model_name_or_path: './models/good', dataset_name: './data' }), []);
  assert.deepEqual(check({ pretrained_model_name_or_path: join(dir, 'models', 'good'), dataset_name: 'data' }), []);
  assert.deepEqual(check({ pretrained_model_name_or_path: './models/empty', dataset_name: './data' }), [
    'error model-folder-invalid /args/pretrained_model_name_or_path',
  ]);
  assert.deepEqual(check({ pretrained_model_name_or_path: './models/good', pretrained_vae_model_name_or_path: './vae', dataset_name: './data' }), [
    'error model-folder-invalid /args/pretrained_vae_model_name_or_path',
  ]);
  assert.deepEqual(check({ pretrained_model_name_or_path: './models/missing', dataset_name: './nodata' }), [
    'error model-folder-missing /args/pretrained_model_name_or_path',
    'error dataset-folder-missing /args/dataset_name',
  ]);
  const tilde = validateConfig(text({ pretrained_model_name_or_path: '~/models/good', dataset_name: './data' }), { configPath, listDir });
  assert.match(tilde.find((d) => d.code === 'model-folder-missing')!.message, /`~` is not expanded/);
  // org/name exists as a folder: a folder without model_index.json, not the Hub's "not found".
  assert.deepEqual(check({ pretrained_model_name_or_path: 'org/name', dataset_name: './data' }), [
    'error model-folder-invalid /args/pretrained_model_name_or_path',
  ]);
});

test('the Hub answers travel to the validation worker as plain data', () => {
  const replies: Array<{ id: number; diagnostics?: Diagnostic[] }> = [];
  let listener: ((req: never) => void) | undefined;
  serveValidation({ on: (_e, l) => (listener = l as never), postMessage: (r) => void replies.push(r as never) });
  const hub = structuredClone(facts({ [`model:${MODEL}`]: { status: 'not-found', withToken: true } }));
  listener!({ id: 1, text: text({}), hub } as never);
  assert.deepEqual(hubCodes(replies[0]!.diagnostics!), ['error hub-not-found /args/pretrained_model_name_or_path']);
});
