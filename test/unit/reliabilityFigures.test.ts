// scripts/reliability-figures.ts: the suites' reports become one generated block of docs/RELIABILITY.md; the text
// around it stays byte for byte.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BEGIN, END, figuresBlock, KNOWN_SUITES, readReports, replaceBlock, type Machine } from '../../scripts/reliability-figures';
import type { ReliabilityReport } from '../reliabilityReport';

const MACHINE: Machine = { cores: 2, cpu: 'Test CPU', node: 'v20.0.0' };
const NOW = new Date('2026-11-29T01:02:03Z');
const at = '2026-11-29T00:50:00.000Z';

const SAMPLES: ReliabilityReport[] = [
  {
    suite: 'console',
    kind: 'fuzz',
    cases: 100_000,
    failures: 0,
    seconds: 52.34,
    cpuSeconds: 40.06,
    loadAverage: 3.14,
    seed: 42,
    sizes: '98,000 < 4 KiB (30.0 s), 2,000 ≥ 1 MiB (20.0 s)',
    at,
  },
  { suite: 'events', kind: 'fuzz', cases: 7_000, failures: 2, seconds: 60.01, seed: 7, at: '2026-11-29T00:55:00.000Z' },
  { suite: 'metadata.jsonl', kind: 'fuzz', cases: 0, failures: 0, seconds: 0, skipped: 'no parser | none', at },
  { suite: 'my-new-fuzz', kind: 'fuzz', cases: 10, failures: 0, seconds: 1, at },
  {
    suite: 'process faults',
    kind: 'fault',
    cases: 3,
    failures: 1,
    seconds: 90,
    runsLost: 0,
    at,
    checks: [
      { name: 'SIGKILL of the trainer mid-save', ok: true },
      { name: 'disk full', ok: false, detail: 'x' },
      { name: 'hang', ok: true },
    ],
  },
];

function reportsDir(reports: readonly unknown[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-reliability-'));
  for (const r of reports) {
    const rep = r as ReliabilityReport;
    writeFileSync(join(dir, `${rep.kind}-${rep.suite}.json`), JSON.stringify(r));
  }
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

test('the block: a table per kind, suites without a report "not run", the date and the machine', () => {
  const read = readReports(reportsDir(SAMPLES));
  assert.deepEqual(read.problems, []);
  const block = figuresBlock(read, MACHINE, NOW);
  assert.ok(block.startsWith(`${BEGIN}\n`) && block.endsWith(`\n${END}`));
  assert.match(block, /written 2026-11-29 01:02 UTC on a machine of 2 cores \(Test CPU\), Node v20\.0\.0\./);
  assert.match(block, /The suites finished between 2026-11-29 00:50 and 2026-11-29 00:55 UTC\./);
  const row = (name: string) => block.split('\n').find((l) => l.startsWith(`| ${name} |`));
  assert.equal(row('console'), '| console | 100,000 | 98,000 < 4 KiB (30.0 s), 2,000 ≥ 1 MiB (20.0 s) | 52.3 (CPU 40.1; load 3.1) | 0 | 42 |');
  assert.equal(row('events'), '| events | 7,000 |  | 60.0 | 2 | 7 |');
  assert.equal(row('config'), '| config | not run | | | | |');
  assert.equal(row('webview-messages'), '| webview-messages | not run | | | | |');
  assert.equal(row('metadata.jsonl'), '| metadata.jsonl | skipped: no parser \\| none | | | | |', 'a pipe cannot break the table');
  assert.equal(row('my-new-fuzz'), '| my-new-fuzz | 10 |  | 1.0 | 0 |  |', 'a suite that reports is listed even if not known');
  assert.equal(row('process faults'), '| process faults | 3 | 1 | 0 | disk full |', 'the failing checks are named');
  assert.match(block, /\*\*Security suites\*\*\n\nNot run \(no report\)\./);
  assert.ok(block.indexOf('**Fuzz suites**') < block.indexOf('**Fault suites**'));
});

test('unreadable or malformed reports are listed as such; a missing folder gives every suite "not run"', () => {
  const read = readReports(
    reportsDir([SAMPLES[0]], {
      'fuzz-broken.json': '{"suite": ',
      'fuzz-bad.json': '{"suite":"x","kind":"fuzz","cases":-1,"failures":0,"seconds":1}',
      'notes.txt': 'ignored',
    }),
  );
  assert.equal(read.reports.length, 1);
  assert.equal(read.problems.length, 2);
  assert.match(read.problems.join('\n'), /fuzz-bad\.json: "cases" is not a non-negative number/);
  assert.match(read.problems.join('\n'), /fuzz-broken\.json: /);
  assert.match(figuresBlock(read, MACHINE, NOW), /Reports that could not be read:\n\n- fuzz-bad\.json/);
  const none = figuresBlock(readReports(join(tmpdir(), 'sdxl-no-such-folder-7f3a')), MACHINE, NOW);
  assert.equal((none.match(/\| not run \|/g) ?? []).length, KNOWN_SUITES.fuzz.length);
  assert.doesNotMatch(none, /finished between/);
});

test('replaceBlock rewrites only the block: the text outside it is unchanged, and a second run changes nothing more', () => {
  const before = '# Reliability\n\nHand-written intro.\n\n';
  const after = '\n\n## Section\n\nHand-written | table | text with <!-- comments --> and trailing spaces   \n';
  const doc = `${before}${BEGIN}\nold figures\n${END}${after}`;
  const block = figuresBlock(readReports(reportsDir(SAMPLES)), MACHINE, NOW);
  const next = replaceBlock(doc, block, 'RELIABILITY.md');
  assert.equal(next, `${before}${block}${after}`);
  assert.equal(replaceBlock(next, block), next);
  assert.throws(() => replaceBlock('# no markers\n', block, 'docs/RELIABILITY.md'), /docs\/RELIABILITY\.md: no <!-- figures:begin --> marker/);
  assert.throws(() => replaceBlock(`${END}\n${BEGIN}\n`, block, 'd'), /d: <!-- figures:end --> comes before/);
  assert.throws(() => replaceBlock(`${BEGIN}${END}${BEGIN}${END}`, block, 'd'), /more than once/);
});
