import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepTitles } from '../../src/core/util/stepTitles';
import { argHelp, SCRIPT_KINDS, SCRIPTS, type ArgValue } from '../../src/core/scripts/scriptTables';
import { renderConfig } from '../../src/core/config/presets';

test('step titles count the steps shown: no "(3/3)" after two questions, no counter for one', () => {
  assert.deepEqual(stepTitles('New training config', ['which script?', 'preset by GPU memory', 'file name']), [
    'New training config (1/3): which script?',
    'New training config (2/3): preset by GPU memory',
    'New training config (3/3): file name',
  ]);
  assert.deepEqual(stepTitles('New config from command line', ['which script?', 'file name']), [
    'New config from command line (1/2): which script?',
    'New config from command line (2/2): file name',
  ]);
  assert.deepEqual(stepTitles('New config from command line', ['file name']), ['New config from command line: file name']);
});

test('every argument has help to show, and a config holding every argument renders with a comment on each', () => {
  for (const kind of SCRIPT_KINDS) {
    const args: Record<string, ArgValue> = {};
    for (const spec of SCRIPTS[kind].args) {
      const help = argHelp(spec);
      assert.equal(typeof help, 'string', `${kind} ${spec.dest}`);
      assert.ok(help.trim().length > 10, `${kind} ${spec.dest}: ${help}`);
      if (spec.help) assert.equal(help, spec.help);
      args[spec.dest] = spec.default ?? 1;
    }
    const rendered = renderConfig({ script: kind, args });
    const lines = rendered.split('\n');
    for (const spec of SCRIPTS[kind].args) {
      const at = lines.findIndex((l) => l.trimStart().startsWith(`${JSON.stringify(spec.dest)}:`));
      assert.match(lines[at - 1] ?? '', /^ {4}\/\/ \S/, `${kind} ${spec.dest}`);
    }
    assert.doesNotMatch(rendered, /\/\/ (null|undefined)\b/);
  }
  // The arguments argparse declares without help (num_train_epochs in all three scripts) are among them.
  assert.ok(SCRIPT_KINDS.every((k) => SCRIPTS[k].byDest.get('num_train_epochs')!.help === null));
});
