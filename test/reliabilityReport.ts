// What the fuzz, fault and security suites tried and what held, written as one JSON file per suite under
// test-results/reliability/, so that one script (scripts/reliability-figures.ts) can put the figures into
// docs/RELIABILITY.md from a real run instead of by hand.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export type SuiteKind = 'fuzz' | 'fault' | 'security';

export interface ReliabilityCheck {
  /** What was done, in words: "SIGKILL of the trainer mid-save". */
  name: string;
  ok: boolean;
  /** What was seen: "state failed, exit -9; checkpoint-4 incomplete, not offered for resume". */
  detail?: string;
}

export interface ReliabilityReport {
  suite: string;
  kind: SuiteKind;
  /** Cases tried (fuzz) or faults/attacks tried (fault, security). */
  cases: number;
  failures: number;
  seconds: number;
  seed?: number;
  /** CPU seconds the suite's process used (on a shared machine `seconds` says as much about the others' load). */
  cpuSeconds?: number;
  /** The machine's 1-minute load average as the suite ended. */
  loadAverage?: number;
  /** Fuzz: how many cases of each input size ran ("93,512 < 4 KiB, …, 100 ≥ 1 MiB"). */
  sizes?: string;
  /** Why the suite did not run (then `cases` is 0): it is listed as skipped, with this reason. */
  skipped?: string;
  /** Runs whose outcome was lost or misreported (fault suites): the figure the issue asks to be 0. */
  runsLost?: number;
  checks?: ReliabilityCheck[];
  /** ISO time the suite finished. */
  at: string;
}

export const RELIABILITY_DIR = resolve(__dirname, '..', 'test-results', 'reliability');

/** Writes (replaces) the suite's report. Never throws: a report that cannot be written must not fail the suite. */
export function writeReliabilityReport(report: Omit<ReliabilityReport, 'at'>): void {
  try {
    mkdirSync(RELIABILITY_DIR, { recursive: true });
    const full: ReliabilityReport = { ...report, at: new Date().toISOString() };
    writeFileSync(join(RELIABILITY_DIR, `${report.kind}-${report.suite}.json`), JSON.stringify(full, null, 2) + '\n');
  } catch (err) {
    process.stderr.write(`reliability report for ${report.suite} not written: ${String(err)}\n`);
  }
}

/** Collects checks as a suite goes and writes them at the end (call `write` from an `after` hook). */
export class ReliabilityLog {
  private readonly checks: ReliabilityCheck[] = [];
  private readonly started = Date.now();
  private lost = 0;

  constructor(
    private readonly suite: string,
    private readonly kind: SuiteKind,
  ) {}

  check(name: string, ok: boolean, detail?: string): void {
    this.checks.push(detail === undefined ? { name, ok } : { name, ok, detail });
  }

  runLost(): void {
    this.lost++;
  }

  /**
   * One check of a run: `bad` lists what was wrong (empty when all was right). Records the check with `detail` (and the
   * wrongs), counts the run as lost when anything was wrong, and fails the test with the wrongs (`message` beside them).
   */
  verdict(name: string, detail: string, bad: readonly string[], message?: string): void {
    this.check(name, bad.length === 0, `${detail}${bad.length ? ` | WRONG: ${bad.join('; ')}` : ''}`);
    if (bad.length) this.runLost();
    assert.deepEqual(bad, [], message);
  }

  write(): void {
    writeReliabilityReport({
      suite: this.suite,
      kind: this.kind,
      cases: this.checks.length,
      failures: this.checks.filter((c) => !c.ok).length,
      seconds: (Date.now() - this.started) / 1000,
      runsLost: this.lost,
      checks: this.checks,
    });
  }
}
