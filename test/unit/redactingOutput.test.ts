// The extension's output channel masks secrets in every line (src/extension/redactingOutput.ts; it imports VS Code's
// types only, so it runs here on a recording stand-in for the channel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { KnownSecrets } from '../../src/core/util/redact';
import { redactingLogChannel } from '../../src/extension/redactingOutput';

const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
const KEY = 'wandbFAKEkey0123456789';

test('every message, argument and error written to the channel is masked', () => {
  const written: unknown[][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      void written.push([name, ...args]);
  const channel = {
    name: 'SDXL Trainer',
    logLevel: 2,
    onDidChangeLogLevel: () => ({ dispose: () => undefined }),
    trace: record('trace'),
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    append: record('append'),
    appendLine: record('appendLine'),
    replace: record('replace'),
    clear: record('clear'),
    show: record('show'),
    hide: record('hide'),
    dispose: record('dispose'),
  } as unknown as vscode.LogOutputChannel;
  const out = redactingLogChannel(channel, (t) => new KnownSecrets([KEY]).redact(t));
  out.info(`Run r started: accelerate launch --hub_token ${TOKEN}`, `key ${KEY}`, 7);
  out.warn(`refused: ${KEY}`);
  out.trace(TOKEN);
  out.debug(TOKEN);
  out.append(TOKEN);
  out.appendLine(TOKEN);
  out.replace(TOKEN);
  const e = new Error(`spawn failed: HF_TOKEN=${TOKEN}`);
  out.error(e);
  out.error(`failed: ${TOKEN}`, e);
  out.show(true);
  assert.equal(out.name, 'SDXL Trainer');
  const text = JSON.stringify(written, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
  assert.ok(!text.includes(TOKEN) && !text.includes(KEY), text);
  assert.deepEqual(written[0], ['info', 'Run r started: accelerate launch --hub_token hf_…ghij', 'key …6789', 7]);
  const err = written.find((w) => w[0] === 'error')![1] as Error;
  assert.equal(err.message, 'spawn failed: HF_TOKEN=hf_…ghij');
  assert.ok(err.stack?.includes('spawn failed: HF_TOKEN=hf_…ghij'));
  assert.deepEqual(written.at(-1), ['show', true]);
});
