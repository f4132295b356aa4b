// The chat tools' VS Code side (src/extension/chat/chatTools.ts) under a fake `vscode`: every tool refuses in an
// untrusted workspace and nothing is edited; trusted, a proposed change is applied as one edit only after its
// confirmation was prepared, and not when the config changed in between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { KnownSecrets } from '../../src/core/util/redact';
import { UNTRUSTED_REFUSAL, CHAT_TOOL_NAMES } from '../../src/core/view/chatTools';
import type * as ChatToolsModule from '../../src/extension/chat/chatTools';

const WS = '/ws';
const CONFIG = '{\n  "script": "lora",\n  "args": {\n    "train_data_dir": "./data",\n    "train_batch_size": 4 // for 24 GB\n  }\n}\n';

interface Tool {
  invoke(o: { input: unknown }, token?: unknown): Promise<{ content: Array<{ value: string }> }>;
  prepareInvocation?(o: { input: unknown }, token?: unknown): Promise<{ confirmationMessages?: { title: string; message: { value: string } } } | undefined>;
}

const tools = new Map<string, Tool>();
const state = { trusted: false, text: CONFIG };
const applied: Array<{ range: { start: number; end: number }; text: string }> = [];

class WorkspaceEdit {
  edits: Array<{ range: { start: number; end: number }; text: string }> = [];
  replace(_uri: unknown, range: { start: number; end: number }, text: string): void {
    this.edits.push({ range, text });
  }
}
const fake = {
  lm: {
    registerTool: (name: string, tool: Tool) => {
      tools.set(name, tool);
      return { dispose: () => undefined };
    },
  },
  workspace: {
    get isTrusted() {
      return state.trusted;
    },
    workspaceFolders: [{ uri: { fsPath: WS } }],
    getWorkspaceFolder: (uri: { fsPath: string }) => (uri.fsPath.startsWith(`${WS}/`) ? { uri: { fsPath: WS } } : undefined),
    openTextDocument: async (uri: { fsPath: string }) => ({ uri, getText: () => state.text, positionAt: (o: number) => o }),
    asRelativePath: (u: string | { fsPath: string }) => (typeof u === 'string' ? u : u.fsPath).replace(`${WS}/`, ''),
    applyEdit: async (edit: WorkspaceEdit) => {
      applied.push(...edit.edits);
      return true;
    },
  },
  window: { showTextDocument: async () => undefined },
  Uri: { file: (p: string) => ({ fsPath: p, path: p }) },
  LanguageModelToolResult: class {
    constructor(readonly content: unknown[]) {}
  },
  LanguageModelTextPart: class {
    constructor(readonly value: string) {}
  },
  MarkdownString: class {
    constructor(readonly value: string) {}
  },
  WorkspaceEdit,
  Range: class {
    constructor(
      readonly start: number,
      readonly end: number,
    ) {}
  },
};

function load(): typeof ChatToolsModule {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fake : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(__filename)(join(__dirname, '..', '..', 'src', 'extension', 'chat', 'chatTools')) as typeof ChatToolsModule;
  } finally {
    loader._load = original;
  }
}

const { ChatTools } = load();
const runs = { secrets: new KnownSecrets(), runs: () => [], get: () => undefined, displayName: (id: string) => id, monitorOf: () => undefined };
new ChatTools(runs as unknown as ConstructorParameters<typeof ChatTools>[0], () => undefined);
const tool = (name: string) => tools.get(name)!;
const text = async (name: string, input: unknown) => (await tool(name).invoke({ input })).content.map((p) => p.value).join('');
const PROPOSAL = { config: 'my.sdxl.json', changes: { train_batch_size: 1 }, reason: 'out of memory' };

test('every tool is registered, and in an untrusted workspace each refuses and nothing is edited', async () => {
  assert.deepEqual([...tools.keys()], [...CHAT_TOOL_NAMES]);
  state.trusted = false;
  for (const name of CHAT_TOOL_NAMES) assert.equal(await text(name, name === 'sdxl_proposeConfigChange' ? PROPOSAL : { runId: 'x' }), UNTRUSTED_REFUSAL, name);
  assert.equal(await tool('sdxl_proposeConfigChange').prepareInvocation!({ input: PROPOSAL }), undefined);
  assert.deepEqual(applied, []);
});

test('trusted: the change is confirmed with old → new, then applied as one edit; never without the confirmation', async () => {
  state.trusted = true;
  state.text = CONFIG;
  applied.length = 0;
  assert.match(await text('sdxl_listRuns', {}), /^No training runs/);
  assert.match(await text('sdxl_runSummary', { runId: 'nope' }), /No run with id "nope"/);
  // Invoked without a confirmation prepared: nothing.
  assert.equal(await text('sdxl_proposeConfigChange', PROPOSAL), 'Nothing changed: the change to my.sdxl.json was not confirmed.');
  const prepared = await tool('sdxl_proposeConfigChange').prepareInvocation!({ input: PROPOSAL });
  assert.equal(prepared?.confirmationMessages?.title, 'Change my.sdxl.json?');
  assert.match(prepared!.confirmationMessages!.message.value, /`train_batch_size: 4 → 1`/);
  assert.match(await text('sdxl_proposeConfigChange', PROPOSAL), /^Changed my\.sdxl\.json \(one edit; the user can undo it\):\n- train_batch_size: 4 → 1$/);
  assert.equal(applied.length, 1, 'one edit');
  const e = applied[0]!;
  assert.equal(CONFIG.slice(0, e.range.start) + e.text + CONFIG.slice(e.range.end), CONFIG.replace('"train_batch_size": 4', '"train_batch_size": 1'));
  // Confirmed, then the config changed before the invocation: the confirmed change is no longer what would happen.
  applied.length = 0;
  await tool('sdxl_proposeConfigChange').prepareInvocation!({ input: PROPOSAL });
  state.text = CONFIG.replace('"train_batch_size": 4', '"train_batch_size": 2');
  assert.match(await text('sdxl_proposeConfigChange', PROPOSAL), /^Nothing changed: my\.sdxl\.json changed since the change was confirmed/);
  assert.deepEqual(applied, []);
  // A bad argument, a config outside the workspace.
  assert.match(await text('sdxl_proposeConfigChange', { ...PROPOSAL, changes: { rank: 'x' } }), /^Nothing changed\. rank: rank takes a whole number\./);
  assert.match(await text('sdxl_proposeConfigChange', { ...PROPOSAL, config: '/etc/x.sdxl.json' }), /outside the workspace/);
});
