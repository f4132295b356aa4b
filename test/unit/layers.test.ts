// The layer rules are enforced by lint: a planted import against them fails, an allowed one passes, and the
// vscode ban covers the CLI, the wrapper and the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from './repoRoot';

// The planted files are not on disk, so the type-aware rule (which reads the TypeScript project) is off for them.
const eslint = new ESLint({
  cwd: repoRoot(),
  overrideConfig: { languageOptions: { parserOptions: { project: false } }, rules: { '@typescript-eslint/no-misused-promises': 'off' } },
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repoRoot(), file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

test('a core stage may not import a later stage', async () => {
  const p = await problems('src/core/run/planted.ts', "import { RunMonitor } from '../monitor/runMonitor';\nexport const m = RunMonitor;\n");
  assert.equal(p.length, 1, p.join('\n'));
  assert.match(p[0]!, /sdxl\/layers: .*core\/run comes before core\/monitor/);
});

test('a core stage may import earlier stages and its own folder', async () => {
  const code = "import { reduce } from './reducer';\nimport { SCRIPTS } from '../scripts/scriptTables';\nexport const x = [reduce, SCRIPTS];\n";
  assert.deepEqual(await problems('src/core/run/planted.ts', code), []);
});

test('shared code imports nothing of the core or the extension; the webview only shared code', async () => {
  const shared = await problems('src/shared/planted.ts', "import { reduce } from '../core/run/reducer';\nexport const x = reduce;\n");
  assert.match(shared.join('\n'), /sdxl\/layers: .*shared may import only nothing of src/);
  const web = await problems('webview/src/planted.ts', "import { reduce } from '../../src/core/run/reducer';\nexport const x = reduce;\n");
  assert.match(web.join('\n'), /sdxl\/layers: .*webview may import only shared, webview/);
});

test('the wrapper reaches the supervisor and below, not the monitor', async () => {
  assert.deepEqual(await problems('src/wrapper.ts', "import { runWrapper } from './core/supervisor/wrapperMain';\nexport const w = runWrapper;\n"), []);
  const p = await problems('src/wrapper.ts', "import { RunMonitor } from './core/monitor/runMonitor';\nexport const m = RunMonitor;\n");
  assert.match(p.join('\n'), /sdxl\/layers/);
});

for (const file of ['src/core/run/planted.ts', 'src/cli/planted.ts', 'src/wrapper.ts', 'src/shared/planted.ts']) {
  test(`${file} may not import vscode`, async () => {
    const p = await problems(file, "import * as vscode from 'vscode';\nexport const v = vscode;\n");
    assert.match(p.join('\n'), /no-restricted-imports: .*Only src\/extension may import vscode/);
  });
}

test('the extension may import vscode and the core', async () => {
  const code = "import * as vscode from 'vscode';\nimport { reduce } from '../../core/run/reducer';\nexport const x = [vscode, reduce];\n";
  assert.deepEqual(await problems('src/extension/runs/planted.ts', code), []);
});

test('no synchronous process call on the extension host or in the core: a planted one fails lint, the async one passes', async () => {
  const planted = [
    "import { spawnSync } from 'node:child_process';\nexport const r = spawnSync('ps', []);\n",
    "import { execSync as run } from 'child_process';\nexport const r = run('ps');\n",
    "import * as cp from 'node:child_process';\nexport const r = cp.execFileSync('ps', []);\n",
  ];
  for (const file of ['src/extension/runs/planted.ts', 'src/core/supervisor/planted.ts']) {
    for (const code of planted) {
      const p = await problems(file, code);
      assert.match(p.join('\n'), /no-restricted-syntax: No synchronous process calls/, `${file}: ${code}`);
    }
  }
  const ok = "import { execFile } from 'node:child_process';\nexport const r = execFile('ps', [], () => undefined);\n";
  assert.deepEqual(await problems('src/core/supervisor/planted.ts', ok), []);
});

test('the webview has no `as unknown as` casts: a planted one fails lint, the typed helper passes', async () => {
  const cast = "const box = document.createElement('vscode-checkbox');\nexport const on = (box as unknown as { checked: boolean }).checked;\n";
  assert.match((await problems('webview/src/planted.ts', cast)).join('\n'), /no-restricted-syntax: No `as unknown as` casts in the webview/);
  const typed = "import { checkbox } from './dom';\nexport const on = checkbox({ label: 'x' }).checked;\n";
  assert.deepEqual(await problems('webview/src/planted.ts', typed), []);
});
