// The failure rules are tried in the order FAILURE_RULES lists them: the first that applies names the failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFailure, FAILURE_TITLES, matchFailureRule } from '../../src/core/run/failure';
import { FAILURE_RULES } from '../../src/core/run/failureRules';
import type { FailureClass } from '../../src/core/run/events';

const withExamples = FAILURE_RULES.filter((r) => r.example !== undefined);

test('rule ids are unique, and only the last rule always applies', () => {
  const ids = FAILURE_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const last = FAILURE_RULES[FAILURE_RULES.length - 1]!;
  assert.equal(last.pattern, undefined);
  assert.equal(last.when, undefined);
  for (const r of FAILURE_RULES.slice(0, -1)) assert.ok(r.pattern || r.when, `${r.id} would hide every rule after it`);
  assert.equal(matchFailureRule({}).rule, last);
});

test('every failure class has a rule', () => {
  // A class no rule produces would need a documented reason here; today every class has one.
  const classes = Object.keys(FAILURE_TITLES) as FailureClass[];
  for (const cls of classes)
    assert.ok(
      FAILURE_RULES.some((r) => r.class === cls),
      `no rule for ${cls}`,
    );
  for (const r of FAILURE_RULES) assert.ok(classes.includes(r.class), `${r.id}: unknown class ${r.class}`);
});

test("each rule's example line alone is recognised by that rule, with the rule's class", () => {
  assert.ok(withExamples.length >= FAILURE_RULES.length - 3, 'rules without an example are the input-only ones');
  for (const rule of withExamples) {
    const { rule: got, diagnosis } = matchFailureRule({ lines: [rule.example!] });
    assert.equal(got.id, rule.id, `example of ${rule.id}: ${rule.example}`);
    assert.equal(diagnosis.class, rule.class);
    assert.ok(diagnosis.message.length > 0 && diagnosis.remedy.length > 0, rule.id);
  }
});

test('when two rules match, the one listed first wins, wherever its line is', () => {
  for (let i = 0; i < withExamples.length; i++) {
    for (let j = i + 1; j < withExamples.length; j++) {
      const first = withExamples[i]!;
      const later = withExamples[j]!;
      for (const lines of [
        [later.example!, first.example!],
        [first.example!, later.example!],
      ]) {
        assert.equal(matchFailureRule({ lines }).rule.id, first.id, `${first.id} before ${later.id}: ${JSON.stringify(lines)}`);
      }
    }
  }
});

test('a specific rule listed before a general one that also matches its line', () => {
  // Both xformers-missing and module-missing match; xformers-missing is listed first and has the fix.
  const d = classifyFailure({ lines: ["ModuleNotFoundError: No module named 'xformers'"] });
  assert.equal(matchFailureRule({ lines: ["ModuleNotFoundError: No module named 'xformers'"] }).rule.id, 'xformers-missing');
  assert.equal(d.fix?.title, 'Turn off xformers attention');
  // xformers' kernels missing is not a missing package although the line names xformers.
  assert.equal(
    classifyFailure({ lines: ['NotImplementedError: No operator found for `memory_efficient_attention_forward` (xformers is not available)'] }).class,
    'xformers_build',
  );
  // A child's own exception outranks the SIGKILL a launcher reports (host-oom-killed needs no child exception).
  assert.equal(classifyFailure({ tracebacks: [{ lines: [], exception: 'ValueError: Unknown prediction type x' }], signal: 'SIGKILL' }).class, 'other');
});
