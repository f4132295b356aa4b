// Puts the figures of the last fuzz, fault and security runs into docs/RELIABILITY.md: reads the suites' reports
// (test-results/reliability/*.json, written by test/reliabilityReport.ts) and rewrites the one generated block between
// `<!-- figures:begin -->` and `<!-- figures:end -->`. Text outside the block is never touched.
//
//   node --import tsx scripts/reliability-figures.ts          write the block from the reports there are
//   node --import tsx scripts/reliability-figures.ts --run    first run the fuzz suites and, if package.json has it,
//                                                             the fault suite (`npm run reliability` does this)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import type { ReliabilityReport, SuiteKind } from '../test/reliabilityReport';

export const BEGIN = '<!-- figures:begin -->';
export const END = '<!-- figures:end -->';

/** The suites the block always lists, with "not run" when there is no report (a kind is listed as a whole when none of it reported). */
export const KNOWN_SUITES: Readonly<Record<SuiteKind, readonly string[]>> = {
  fuzz: ['config', 'console', 'events', 'import', 'metadata.jsonl', 'webview-messages', 'dataset-messages', 'clip-scores'],
  fault: [],
  security: [],
};

export interface Machine {
  cores: number;
  cpu: string;
  node: string;
}

export interface ReadReports {
  reports: ReliabilityReport[];
  /** Files that could not be read as a report: "fuzz-x.json: Unexpected token …". */
  problems: string[];
}

const KINDS: readonly SuiteKind[] = ['fuzz', 'fault', 'security'];

/** Why `v` is not a report, or undefined when it is one. */
function reportProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (typeof r['suite'] !== 'string' || r['suite'] === '') return '"suite" is not a name';
  if (!KINDS.includes(r['kind'] as SuiteKind)) return `"kind" is not one of ${KINDS.join(', ')}`;
  for (const k of ['cases', 'failures', 'seconds']) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k]) || (r[k] as number) < 0) return `"${k}" is not a non-negative number`;
  }
  if (r['checks'] !== undefined && !Array.isArray(r['checks'])) return '"checks" is not a list';
  return undefined;
}

/** Every report in `dir` (sorted by file name); a missing folder gives none. */
export function readReports(dir: string): ReadReports {
  const out: ReadReports = { reports: [], problems: [] };
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    try {
      const v: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const problem = reportProblem(v);
      if (problem) out.problems.push(`${file}: ${problem}`);
      else out.reports.push(v as ReliabilityReport);
    } catch (e) {
      out.problems.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

const num = (n: number) => n.toLocaleString('en-US');
/** A table cell: no pipe or line break may break the row. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** "60.0 (CPU 16.0; load 11.5)": wall seconds, with the CPU time and load average where the report has them. */
function secondsOf(r: ReliabilityReport): string {
  const extra = [
    typeof r.cpuSeconds === 'number' ? `CPU ${r.cpuSeconds.toFixed(1)}` : '',
    typeof r.loadAverage === 'number' ? `load ${r.loadAverage.toFixed(1)}` : '',
  ].filter(Boolean);
  return `${r.seconds.toFixed(1)}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

function fuzzTable(reports: readonly ReliabilityReport[], names: readonly string[]): string[] {
  const rows = ['| suite | cases | sizes (cases, seconds) | seconds (CPU; load) | failures | seed |', '|---|---:|---|---:|---:|---|'];
  for (const name of names) {
    const r = reports.find((x) => x.suite === name);
    if (!r) rows.push(`| ${cell(name)} | not run | | | | |`);
    else if (r.skipped) rows.push(`| ${cell(name)} | skipped: ${cell(r.skipped)} | | | | |`);
    else rows.push(`| ${cell(name)} | ${num(r.cases)} | ${cell(r.sizes ?? '')} | ${secondsOf(r)} | ${num(r.failures)} | ${r.seed ?? ''} |`);
  }
  return rows;
}

function checksTable(reports: readonly ReliabilityReport[], names: readonly string[]): string[] {
  const rows = ['| suite | checks | failures | runs lost | failing checks |', '|---|---:|---:|---:|---|'];
  for (const name of names) {
    const r = reports.find((x) => x.suite === name);
    if (!r) {
      rows.push(`| ${cell(name)} | not run | | | |`);
      continue;
    }
    if (r.skipped) {
      rows.push(`| ${cell(name)} | skipped: ${cell(r.skipped)} | | | |`);
      continue;
    }
    const failing = (r.checks ?? []).filter((c) => !c.ok).map((c) => c.name);
    rows.push(
      `| ${cell(name)} | ${num(r.cases)} | ${num(r.failures)} | ${r.runsLost === undefined ? '' : num(r.runsLost)} | ${cell(failing.join('; ') || (r.failures > 0 ? '(not named)' : '—'))} |`,
    );
  }
  return rows;
}

const TITLES: Record<SuiteKind, string> = { fuzz: 'Fuzz suites', fault: 'Fault suites', security: 'Security suites' };

/** The generated block, markers included. */
export function figuresBlock(read: ReadReports, machine: Machine, now: Date): string {
  const lines = [
    BEGIN,
    '<!-- Written by `npm run reliability` (scripts/reliability-figures.ts) from test-results/reliability/*.json; edits in this block are overwritten. -->',
    '',
    `Figures of the last runs, written ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC on a machine of ${machine.cores} cores (${machine.cpu}), Node ${machine.node}.`,
  ];
  const times = read.reports
    .map((r) => r.at)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  if (times.length > 0)
    lines.push(`The suites finished between ${times[0]!.slice(0, 16).replace('T', ' ')} and ${times[times.length - 1]!.slice(0, 16).replace('T', ' ')} UTC.`);
  for (const kind of KINDS) {
    const ofKind = read.reports.filter((r) => r.kind === kind);
    const names = [...KNOWN_SUITES[kind]];
    for (const r of ofKind) if (!names.includes(r.suite)) names.push(r.suite);
    lines.push('', `**${TITLES[kind]}**`, '');
    if (names.length === 0) {
      lines.push('Not run (no report).');
      continue;
    }
    lines.push(...(kind === 'fuzz' ? fuzzTable(ofKind, names) : checksTable(ofKind, names)));
  }
  if (read.problems.length > 0) {
    lines.push('', 'Reports that could not be read:', '');
    for (const p of read.problems) lines.push(`- ${p}`);
  }
  lines.push(END);
  return lines.join('\n');
}

/** `doc` with its block replaced by `block`; throws, naming `where`, unless the markers appear once each, in order. */
export function replaceBlock(doc: string, block: string, where = 'the document'): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin < 0 || end < 0) throw new Error(`${where}: no ${begin < 0 ? BEGIN : END} marker (the figures go between ${BEGIN} and ${END})`);
  if (doc.indexOf(BEGIN, begin + 1) >= 0 || doc.indexOf(END, end + 1) >= 0) throw new Error(`${where}: the figures markers appear more than once`);
  if (end < begin) throw new Error(`${where}: ${END} comes before ${BEGIN}`);
  return doc.slice(0, begin) + block + doc.slice(end + END.length);
}

export function thisMachine(): Machine {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() || 'unknown CPU', node: process.version };
}

/** Runs `npm run <script>` with the output shown; its exit status. */
function npmRun(root: string, script: string): number {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', script], { cwd: root, stdio: 'inherit', shell: false });
  return r.status ?? 1;
}

function main(argv: readonly string[]): number {
  const root = resolve(__dirname, '..');
  let failed = 0;
  if (argv.includes('--run')) {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
    for (const script of ['test:fuzz', 'test:fault']) {
      if (!scripts[script]) {
        console.log(`reliability: no \`${script}\` script in package.json; its suites are listed as not run`);
        continue;
      }
      if (npmRun(root, script) !== 0) failed++;
    }
  }
  const docPath = join(root, 'docs', 'RELIABILITY.md');
  const read = readReports(join(root, 'test-results', 'reliability'));
  const doc = readFileSync(docPath, 'utf8');
  const next = replaceBlock(doc, figuresBlock(read, thisMachine(), new Date()), docPath);
  if (next !== doc) writeFileSync(docPath, next);
  console.log(`reliability: ${read.reports.length} report(s) written into ${docPath}${read.problems.length ? `; ${read.problems.length} unreadable` : ''}`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
