// package.json's language model tools and walkthrough agree with the code: the tools are those the extension
// registers (CHAT_TOOL_NAMES), fully described; the walkthrough's commands exist and its media files are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHAT_TOOL_NAMES } from '../../src/core/view/chatTools';
import { WALKTHROUGH_ID, WALKTHROUGH_STEP_KEYS } from '../../src/extension/chat/walkthrough';
import { repoRoot } from './repoRoot';

interface Tool {
  name: string;
  displayName?: string;
  modelDescription?: string;
  userDescription?: string;
  toolReferenceName?: string;
  canBeReferencedInPrompt?: boolean;
  inputSchema?: { type?: string; properties?: Record<string, unknown>; required?: string[] };
}
interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string };
  completionEvents?: string[];
}
const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
  name: string;
  publisher: string;
  contributes: { commands: Array<{ command: string }>; languageModelTools: Tool[]; walkthroughs: Array<{ id: string; steps: Step[] }> };
};
const commands = new Set(pkg.contributes.commands.map((c) => c.command));

test('the contributed language model tools are exactly those registered, each fully described', () => {
  const tools = pkg.contributes.languageModelTools;
  assert.deepEqual(
    tools.map((t) => t.name),
    [...CHAT_TOOL_NAMES],
  );
  for (const t of tools) {
    for (const key of ['displayName', 'modelDescription', 'userDescription', 'toolReferenceName'] as const) {
      assert.ok(typeof t[key] === 'string' && t[key]!.length > 0, `${t.name}.${key}`);
    }
    assert.equal(t.canBeReferencedInPrompt, true, t.name);
    assert.equal(t.inputSchema?.type, 'object', t.name);
    for (const r of t.inputSchema?.required ?? []) assert.ok(t.inputSchema?.properties?.[r], `${t.name} requires ${r}, which it describes`);
  }
  assert.equal(new Set(tools.map((t) => t.toolReferenceName)).size, tools.length, 'reference names are unique');
  assert.deepEqual(tools.find((t) => t.name === 'sdxl_runSummary')!.inputSchema!.required, ['runId']);
  assert.deepEqual(tools.find((t) => t.name === 'sdxl_proposeConfigChange')!.inputSchema!.required, ['changes', 'reason']);
});

test('the walkthrough: five steps, each with a command link and completion events naming contributed commands, and a media file', () => {
  const [w] = pkg.contributes.walkthroughs;
  assert.ok(w);
  assert.equal(WALKTHROUGH_ID, `${pkg.publisher}.${pkg.name}#${w.id}`);
  assert.deepEqual(
    w.steps.map((s) => s.id),
    ['environment', 'newConfig', 'datasetCheck', 'firstRun', 'dashboard'],
  );
  for (const s of w.steps) {
    const links = [...s.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length > 0, `${s.id} links a command`);
    for (const c of links) assert.ok(commands.has(c), `${s.id}: ${c} is contributed`);
    assert.ok((s.completionEvents ?? []).length > 0, `${s.id} has completion events`);
    // Completed by a context key the extension sets once a linked command has run to its end (walkthrough.ts says why).
    for (const e of s.completionEvents ?? []) {
      const m = /^onContext:([\w.]+)$/.exec(e);
      const setBy = Object.entries(WALKTHROUGH_STEP_KEYS)
        .filter(([, key]) => key === m?.[1])
        .map(([c]) => c);
      assert.ok(setBy.length > 0, `${s.id}: ${e} is a key the extension sets`);
      assert.ok(setBy.every((c) => commands.has(c)) && links.some((l) => setBy.includes(l)), `${s.id}: ${e} is set by a command it links`);
    }
    assert.ok(s.media.markdown && existsSync(join(repoRoot(), s.media.markdown)), `${s.id}: ${s.media.markdown} exists`);
  }
});
