// The editor's side of the script's own argument table, without VS Code: the first check never waits for --help
// (built-in table, "being read"), the table's arrival asks for a second check, an untrusted workspace runs nothing;
// the hover line and the completions of script-only arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repoRoot';
import { DocumentTables } from '../../src/core/scriptHelp/documentTables';
import { ScriptTableCache } from '../../src/core/scriptHelp/scriptTableCache';
import type { HelpOutput, HelpRunner } from '../../src/core/scriptHelp/helpRunner';
import { argHoverAt, scriptOnlyCompletions } from '../../src/core/scriptHelp/argHover';
import { parseArgparseHelp } from '../../src/core/scriptHelp/helpParser';
import { tableFromHelp, type ArgTableChoice } from '../../src/core/scriptHelp/scriptTable';
import { validateConfig } from '../../src/core/diagnostics';

const DB_HELP = readFileSync(join(repoRoot(), 'test/fixtures/script-help/train_dreambooth_lora_sdxl-v0.27.2.help.txt'), 'utf8');

/** A runner whose --help finishes when the test says so. */
function gatedRunner(): { run: HelpRunner; calls: () => number; finish: (out: HelpOutput) => void } {
  let calls = 0;
  const pending: Array<(o: HelpOutput) => void> = [];
  return {
    run: () => (calls++, new Promise<HelpOutput>((resolve) => pending.push(resolve))),
    calls: () => calls,
    finish: (out) => {
      for (const r of pending.splice(0)) r(out);
    },
  };
}

/** Resolves when `cond` holds (checked every few ms; the test's own timeout bounds it). */
function waitFor(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
}

function workspace(): { dir: string; configPath: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-doc-tables-'));
  writeFileSync(join(dir, 'train_dreambooth_lora_sdxl.py'), "# the user's v0.27.2 script\n");
  const text = JSON.stringify(
    {
      script: 'dreambooth-lora',
      launch: { python: '/usr/bin/python3' },
      args: { pretrained_model_name_or_path: 'm', instance_data_dir: 'i', instance_prompt: 'p', lora_dropout: 0.1 },
    },
    null,
    2,
  );
  return { dir, configPath: join(dir, 'a.sdxl.json'), text };
}

test(
  "DocumentTables: the first check gets the built-in table at once; the arrival of the script's table asks for a second check",
  { timeout: 10_000 },
  async () => {
    const { configPath, text, dir } = workspace();
    const r = gatedRunner();
    const arrived: string[] = [];
    const tables = new DocumentTables(new ScriptTableCache({ run: r.run }), { maySpawn: () => true, enabled: () => true, onArrived: (k) => arrived.push(k) });
    const first = await tables.current('doc', text, configPath);
    assert.equal(first?.source, 'builtin');
    assert.match(first?.source === 'builtin' ? first.reason : '', /being read/);
    await waitFor(() => r.calls() === 1); // the --help was started (after the script file is hashed)
    // The first check uses the built-in table: lora_dropout is accepted there.
    assert.ok(!validateConfig(text, { ...(first ? { argTable: first } : {}) }).some((d) => d.code === 'not-in-script'));
    // Another check before it finishes starts nothing new.
    await tables.current('doc', text, configPath);
    await tables.current('other', text, configPath);
    assert.equal(r.calls(), 1);
    assert.deepEqual(arrived, []);
    r.finish({ ok: true, stdout: DB_HELP });
    await waitFor(() => arrived.length === 2);
    assert.deepEqual(arrived.sort(), ['doc', 'other']);
    const second = await tables.current('doc', text, configPath);
    assert.equal(second?.source, 'script');
    assert.equal(tables.shown('doc'), second);
    assert.deepEqual(tables.documentsOf(join(dir, 'train_dreambooth_lora_sdxl.py')).sort(), ['doc', 'other']);
    const d = validateConfig(text, { ...(second ? { argTable: second } : {}) }).filter((x) => x.code === 'not-in-script');
    assert.deepEqual(
      d.map((x) => x.path),
      ['/args/lora_dropout'],
    );
    assert.equal(r.calls(), 1);
  },
);

test('DocumentTables: untrusted, turned off, unsaved, or unparsable: nothing runs, and the reason is kept', { timeout: 10_000 }, async () => {
  const { configPath, text } = workspace();
  const r = gatedRunner();
  let trusted = false;
  let enabled = true;
  const tables = new DocumentTables(new ScriptTableCache({ run: r.run }), { maySpawn: () => trusted, enabled: () => enabled, onArrived: () => undefined });
  const untrusted = await tables.current('doc', text, configPath);
  assert.match(untrusted?.source === 'builtin' ? untrusted.reason : '', /not trusted/);
  enabled = false;
  const off = await tables.current('doc', text, configPath);
  assert.match(off?.source === 'builtin' ? off.reason : '', /turned off/);
  assert.equal(tables.shown('doc'), off);
  enabled = true;
  assert.match(JSON.stringify(await tables.current('doc', text, undefined)), /not saved in a file/);
  assert.equal(await tables.current('doc', '{ not json', configPath), undefined);
  assert.equal(tables.shown('doc'), undefined);
  assert.equal(r.calls(), 0);
  trusted = true;
  await tables.current('doc', text, configPath);
  await waitFor(() => r.calls() === 1);
  r.finish({ ok: false, reason: 'x' });
});

const choice: ArgTableChoice = {
  source: 'script',
  table: tableFromHelp(
    'dreambooth-lora',
    '/w/train.py',
    'h',
    parseArgparseHelp(DB_HELP.replace('  --rank RANK ', '  --my_new_option MY_NEW_OPTION\n                        Only this script has it.\n  --rank RANK ')),
  ),
};

test("hover: the script's own help and the table in use; with the built-in table, only which table and why", () => {
  const text = '{\n  "script": "dreambooth-lora",\n  "args": { "rank": 8, "lora_dropout": 0.1 }\n}';
  const at = (s: string): number => text.indexOf(s) + 2;
  const rank = argHoverAt(text, at('"rank"'), choice);
  assert.deepEqual(rank?.paragraphs, [
    '**--rank** (int)',
    'The dimension of the LoRA update matrices.',
    '*Argument table: arguments from the script at /w/train.py (its own --help).*',
  ]);
  assert.match(argHoverAt(text, at('"lora_dropout"'), choice)?.paragraphs[0] ?? '', /has no `lora_dropout` argument/);
  assert.equal(argHoverAt(text, at('"script"'), choice), undefined, 'only keys inside args');
  const builtin = argHoverAt(text, at('"rank"'), { source: 'builtin', kind: 'dreambooth-lora', reason: "the script's --help failed (x)" });
  assert.deepEqual(builtin?.paragraphs, [
    "*Argument table: arguments from the built-in table of diffusers 0.40.0.dev0 (commit 58eb52c): the script's --help failed (x).*",
  ]);
});

test("completion: the script's arguments the built-in table lacks, not already set; none with the built-in table", () => {
  const text = '{\n  "script": "dreambooth-lora",\n  "args": { "rank": 8, "" }\n}';
  const offset = text.indexOf('""') + 1;
  assert.deepEqual(
    scriptOnlyCompletions(text, offset, choice).map((c) => c.label),
    ['my_new_option'],
  );
  assert.equal(scriptOnlyCompletions(text, offset, choice)[0]?.documentation, 'Only this script has it.');
  const set = '{\n  "script": "dreambooth-lora",\n  "args": { "my_new_option": "a", "" }\n}';
  assert.deepEqual(scriptOnlyCompletions(set, set.indexOf('""') + 1, choice), []);
  assert.deepEqual(scriptOnlyCompletions(text, offset, { source: 'builtin', kind: 'dreambooth-lora', reason: 'r' }), []);
  assert.deepEqual(scriptOnlyCompletions(text, text.indexOf('"script"') + 2, choice), [], 'not outside args');
});
