// "SDXL: Publish to Hugging Face Hub…" (src/extension/runs/publishCommand.ts) under the scripted `vscode` of
// generateTestKit: a simulated run (the demo's stand-in trainer) is never offered and is refused from its own menu,
// since its weights are placeholders; a real ended run goes on to the token question.
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialRunState } from '../../src/core/run/state';
import type * as PublishModule from '../../src/extension/runs/publishCommand';
import type { RunsController, RunView } from '../../src/extension/runs/runsController';
import type { HubController } from '../../src/extension/hub/hubController';
import { loadWithVscode, resetUi, ui } from './generateTestKit';

const { publishCommands } = loadWithVscode<typeof PublishModule>('../../src/extension/runs/publishCommand');

let ws = '';
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'sdxl-pubcmd-'));
  resetUi(ws);
});

function run(id: string, simulated: boolean): RunView {
  const env: Record<string, string> = simulated ? { SDXL_STANDIN_TRAINER: '1' } : {};
  const record = {
    id,
    name: id,
    script: 'lora',
    createdAt: '2026-11-29T09:00:00Z',
    outputDir: join(ws, id),
    plan: { argv: ['accelerate', 'launch', 'x.py', `--output_dir=${join(ws, id)}`], env, cwd: ws, script: 'lora' },
  };
  return {
    id,
    entry: { dir: join(ws, id), record },
    state: { ...initialRunState(), state: 'finished' },
    dir: join(ws, id),
    imageCacheDir: ws,
  } as unknown as RunView;
}

function publish(list: RunView[]) {
  const runs = { runs: () => list, get: (id: string) => list.find((r) => r.id === id), displayName: (id: string) => id } as unknown as RunsController;
  let asked = 0;
  const hub = {
    currentToken: async () => {
      asked++;
      return undefined;
    },
  } as unknown as HubController;
  return { command: publishCommands(runs, hub)['sdxl.publishToHub'] as (arg?: unknown) => Promise<boolean>, tokenAsked: () => asked };
}

test('a simulated run is refused from its menu, before any Hub question', async () => {
  const p = publish([run('sim', true)]);
  assert.equal(await p.command({ kind: 'run', id: 'sim' }), false);
  assert.match(ui.messages.at(-1)?.text ?? '', /"sim" is a simulation .*placeholders/);
  assert.equal(p.tokenAsked(), 0);
});

test('from the palette a simulated run is not offered: the one real run is taken; with only simulations, none', async () => {
  const p = publish([run('sim', true), run('real', false)]);
  assert.equal(await p.command(), false);
  assert.equal(p.tokenAsked(), 1, 'the real run went on to the token');
  assert.match(ui.messages.at(-1)?.text ?? '', /needs a Hugging Face token/);
  const only = publish([run('sim', true)]);
  assert.equal(await only.command(), false);
  assert.match(ui.messages.at(-1)?.text ?? '', /no matching runs/);
  assert.equal(only.tokenAsked(), 0);
});
