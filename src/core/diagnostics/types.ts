// Shapes shared by the config diagnostics, their quick fixes, and the CLI / Problems panel that show them.
import { lineColumn, rangeOf, type ParsedConfig } from '../config';

export type Severity = 'error' | 'warning' | 'info';

/** One change to the config, addressed by JSON pointer so it survives reformatting; see fixes.ts for the text edits. */
export type FixEdit =
  | { op: 'set'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'rename'; path: string; newKey: string };

export interface Fix {
  title: string;
  edits: FixEdit[];
}

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

export interface GpuInfo {
  index: number;
  name: string;
  memoryTotalMiB: number;
}

export interface ValidateContext {
  /** Absolute path of the config file; relative paths in it are resolved from its folder. */
  configPath?: string;
  /** Lists a folder's entry names, or undefined when it does not exist or cannot be read. */
  listDir?: (absPath: string) => string[] | undefined;
  /** GPUs the run would use (from nvidia-smi); enables the `memory-exceeds-gpu` check. */
  gpus?: GpuInfo[];
}

/** Builds diagnostics with ranges taken from the parsed document. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  constructor(private readonly parsed: ParsedConfig) {}

  /** `onKey` puts the range on the property name instead of its value (unknown keys). */
  add(severity: Severity, code: string, path: string, message: string, fix?: Fix, onKey = false): void {
    const { offset, length } = rangeOf(this.parsed, path, onKey);
    this.addAt(severity, code, path, message, offset, length, fix);
  }

  /** For problems whose position is known already (syntax errors). */
  addAt(severity: Severity, code: string, path: string, message: string, offset: number, length: number, fix?: Fix): void {
    const { line, column } = lineColumn(this.parsed.text, offset);
    this.items.push({ severity, code, message, path, offset, length, line, column, ...(fix ? { fix } : {}) });
  }
}
