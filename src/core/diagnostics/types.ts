// Shapes shared by the config diagnostics, their quick fixes, and the CLI / Problems panel that show them.
import { rangeInside, type LaunchProfile, type ParsedConfig } from '../config/config';
import { ConfigIndex } from '../config/configIndex';
import type { WorkCounter } from '../util/workCounter';
import type { ArgTableChoice } from '../scriptHelp/scriptTable';
import type { EnvironmentFacts } from '../env/facts';
import { Suggester } from './suggest';

export type Severity = 'error' | 'warning' | 'info';

import type { Fix } from '../config/fixes';
export type { Fix, FixEdit } from '../config/fixes';

export interface Diagnostic {
  severity: Severity;
  /** Stable identifier of the rule, e.g. `fp16-stock-vae`. */
  code: string;
  message: string;
  /** JSON pointer of the value concerned, e.g. `/args/mixed_precision`. */
  path: string;
  /** Source range in UTF-16 code units. */
  offset: number;
  length: number;
  /** 1-based. */
  line: number;
  column: number;
  fix?: Fix;
}

import type { GpuInfo } from '../gpu/gpuQuery';
import type { HubFacts } from './hubRules';
export type { GpuInfo };

export interface ValidateContext {
  /** Absolute path of the config file; relative paths in it are resolved from its folder. */
  configPath?: string;
  /** Lists a folder's entry names, or undefined when it does not exist or cannot be read. */
  listDir?: (absPath: string) => string[] | undefined;
  /** GPUs the run would use (from nvidia-smi); enables the `memory-exceeds-gpu` check. */
  gpus?: GpuInfo[];
  /** The launch profile the run is started with when not the file's own (the CLI's `--profile`). */
  profile?: LaunchProfile;
  /**
   * The argument table to check `args` against: the script file's own, read from its --help (scriptHelp/), or the
   * built-in one with the reason. Absent: the built-in table.
   */
  argTable?: ArgTableChoice;
  /** What the Hub answered for the ids the config names (core/hub); absent: ids are not checked (offline CLI). */
  hub?: HubFacts;
  /** The config's interpreter as a probe found it (env/): packages the config asks for, the script's diffusers minimum. */
  environment?: EnvironmentFacts;
  /** Counts the work done, for tests that check it grows linearly with the file. */
  work?: WorkCounter;
}

type Found = Omit<Diagnostic, 'line' | 'column'>;

const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const NOUN: Record<Severity, [string, string]> = { error: ['error', 'errors'], warning: ['warning', 'warnings'], info: ['note', 'notes'] };

/** Builds diagnostics with ranges taken from the parsed document; `finish` caps them. */
export class DiagnosticSink {
  private readonly found: Found[] = [];
  readonly index: ConfigIndex;
  /** "Did you mean", for the document's first few unknown words only. */
  readonly suggest: Suggester;

  private readonly textLength: number;

  constructor(parsed: ParsedConfig, work?: WorkCounter) {
    this.textLength = parsed.text.length;
    this.index = new ConfigIndex(parsed, work);
    this.suggest = new Suggester(undefined, work);
  }

  /** `onKey` puts the range on the property name instead of its value (unknown keys). */
  add(severity: Severity, code: string, path: string, message: string, fix?: Fix, onKey = false): void {
    const { offset, length } = this.index.range(path, onKey);
    this.addAt(severity, code, path, message, offset, length, fix);
  }

  /** For problems whose position is known already (syntax errors). */
  addAt(severity: Severity, code: string, path: string, message: string, offset: number, length: number, fix?: Fix): void {
    this.found.push({ severity, code, message, path, ...rangeInside(this.textLength, offset, length), ...(fix ? { fix } : {}) });
  }

  /**
   * The diagnostics in file order, at most `max` of them: errors first, then warnings, then notes, so a flood of
   * warnings never hides an error; one more diagnostic, last, counts those left out (a Problems panel with 40,000
   * entries helps nobody, and each costs the editor).
   */
  finish(max: number): Diagnostic[] {
    const byOffset = (a: Found, b: Found): number => a.offset - b.offset || RANK[a.severity] - RANK[b.severity];
    if (this.found.length <= max) return this.found.sort(byOffset).map((d) => this.positioned(d));
    const byRank = this.found.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.offset - b.offset);
    const hidden = byRank.slice(max);
    const shown = byRank
      .slice(0, max)
      .sort(byOffset)
      .map((d) => this.positioned(d));
    const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
    let first = hidden[0]!;
    for (const d of hidden) {
      counts[d.severity]++;
      if (d.offset < first.offset) first = d;
    }
    const parts = (['error', 'warning', 'info'] as const).filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${NOUN[s][counts[s] === 1 ? 0 : 1]}`);
    const at = this.index.lines.at(first.offset).line;
    shown.push(
      this.positioned({
        // The worst left out, so an exit status or a "has errors" check reads the same as with every diagnostic.
        severity: hidden[0]!.severity,
        code: 'more-problems',
        path: first.path,
        offset: first.offset,
        length: first.length,
        message: `${hidden.length} more problems not shown (${parts.join(', ')}); the first is on line ${at}. Fix those shown to see the rest.`,
      }),
    );
    return shown;
  }

  private positioned(d: Found): Diagnostic {
    const { line, column } = this.index.lines.at(d.offset);
    return {
      severity: d.severity,
      code: d.code,
      message: d.message,
      path: d.path,
      offset: d.offset,
      length: d.length,
      line,
      column,
      ...(d.fix ? { fix: d.fix } : {}),
    };
  }
}
