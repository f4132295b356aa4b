// The Hugging Face Hub in a config, end to end against the loopback fake Hub (test/hub/fakeHub.ts) that this spec
// starts and hands to code-server as HF_ENDPOINT, with a token (HF_TOKEN) so that a wrong id is a plain 404:
// completion in the value of pretrained_model_name_or_path offers the model ids the Hub's search returns, and a wrong
// id gets a hub-not-found problem, which goes away with the sdxl.hub.checkIds setting off and when the id is fixed.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { until } from './processes.js';
import { withVsCode, type Problem } from './harness.js';
import { sdxlRepoFiles, startFakeHub } from '../hub/fakeHub.js';

const BASE = 'stabilityai/stable-diffusion-xl-base-1.0';
const WRONG = 'stabilityai/stable-diffusion-xl-bse-1.0';
const TOKEN = 'hf_e2eFakeToken0123456789abcdef';

const hubProblems = (ps: Problem[]) => ps.filter((p) => p.file === 'lora.sdxl.json' && p.source === 'sdxl' && (p.code ?? '').startsWith('hub-'));

test('Hub: completion offers model ids from the Hub, and a wrong id is hub-not-found', async (t) => {
  const hub = await startFakeHub({
    repos: [
      { id: BASE, files: sdxlRepoFiles(), downloads: 100 },
      { id: 'stabilityai/sdxl-turbo', files: sdxlRepoFiles(), downloads: 90 },
      { id: 'madebyollin/sdxl-vae-fp16-fix', files: { 'config.json': '{}' }, downloads: 50 },
      { id: 'lambdalabs/naruto-blip-captions', type: 'dataset', files: { 'README.md': 'x' } },
    ],
    tokens: { [TOKEN]: 'e2e-user' },
  });
  t.after(() => hub.close());
  await withVsCode('hub', { env: { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN } }, async (vs) => {
    await vs.openFile('lora.sdxl.json');
    // The template's ids exist: they are checked (with the token), and no Hub problem shows.
    await until('the template ids checked on the fake Hub', 30_000, async () =>
      hub.requests.some((r) => r.path.startsWith(`/api/models/${BASE}`) && r.token === TOKEN) &&
      hub.requests.some((r) => r.path.startsWith('/api/datasets/lambdalabs/naruto-blip-captions'))
        ? true
        : undefined,
    );
    // Completion: replace the model id by "stabilityai/sd" and ask for suggestions.
    await vs.selectInEditor(BASE);
    await vs.page.keyboard.type('stabilityai/sd');
    await vs.triggerSuggest();
    const labels = await until('Hub ids in the suggestions', 30_000, async () => {
      const l = await vs.suggestLabels();
      return l.includes('stabilityai/sdxl-turbo') ? l : undefined;
    });
    assert.ok(!labels.includes('madebyollin/sdxl-vae-fp16-fix'), `suggestions not filtered: ${labels.join(', ')}`);
    assert.ok(
      hub.requests.some((r) => r.path.startsWith('/api/models?') && r.path.includes('search=stabilityai')),
      'the Hub was searched',
    );
    await vs.page.keyboard.press('Escape');
    await vs.suggestWidget.waitFor({ state: 'hidden' });
    // A wrong id: hub-not-found on it.
    await vs.selectInEditor('stabilityai/sd"');
    await vs.page.keyboard.type(`${WRONG}"`);
    const problems = await vs.waitForProblems(
      'hub-not-found for the wrong id',
      (ps) => hubProblems(ps).some((p) => p.code === 'hub-not-found' && p.message.includes(WRONG)),
      60_000,
    );
    const nf = hubProblems(problems).find((p) => p.code === 'hub-not-found' && p.message.includes(WRONG))!;
    assert.equal(nf.severity, 'error');
    assert.match(nf.message, /does not exist on the Hub/);
    assert.equal(nf.line, 5);
    // sdxl.hub.checkIds off (workspace settings): no Hub problem and no request; on again: the problem is back.
    const settingsFile = join(vs.workspace, '.vscode', 'settings.json');
    const settings = readFileSync(settingsFile, 'utf8');
    writeFileSync(settingsFile, settings.replace(/\{/, '{\n  "sdxl.hub.checkIds": false,'));
    await vs.waitForProblems('no Hub problem with sdxl.hub.checkIds off', (ps) => hubProblems(ps).length === 0, 60_000);
    writeFileSync(settingsFile, settings);
    await vs.waitForProblems('hub-not-found back with the setting on', (ps) => hubProblems(ps).some((p) => p.code === 'hub-not-found'), 60_000);
    // Fixed: the problem goes.
    await vs.selectInEditor(WRONG);
    await vs.page.keyboard.type(BASE);
    await vs.waitForProblems('no Hub problem once the id is fixed', (ps) => hubProblems(ps).length === 0, 60_000);
  });
});
