// What a failure rule is and what it is given. A rule recognises one failure in what a dead run printed and says what
// it was, why and what to change; index.ts lists the rules in the order they are tried (the first that matches wins).
import { SCRIPTS, type ArgValue, type ScriptKind } from '../../scripts/scriptTables';
import type { Diagnosis, FailureClass, TracebackInfo } from '../events';

export interface FailureInput {
  tracebacks?: readonly TracebackInfo[];
  /** Error lines seen outside tracebacks (or simply the tail of the console). */
  lines?: readonly string[];
  exitCode?: number | null;
  signal?: string | null;
  /** First step whose console loss was NaN, when any. */
  nanLossStep?: number | null;
  script?: ScriptKind | null;
  /** The config's args, to pick a fix that is not already applied. */
  args?: Readonly<Record<string, ArgValue>>;
}

/** A failure input with what every rule reads worked out once. */
export interface FailureContext {
  readonly input: FailureInput;
  readonly tracebacks: readonly TracebackInfo[];
  readonly lines: readonly string[];
  /** The child's own exception lines, launcher wrappers excluded, in order. */
  readonly childExceptions: readonly string[];
  /**
   * The first text that matches: the child's exception lines first (they name the cause), then the loose lines, then
   * the tracebacks' exception lines and bodies. `m[0]` is the whole trimmed line: messages quote the line.
   */
  find(re: RegExp): RegExpExecArray | undefined;
}

/** A diagnosis without its class: the rule's class is added to it. */
export type RuleDiagnosis = Omit<Diagnosis, 'class'>;

export interface FailureRule {
  /** Stable name, for tests and for reading the order. */
  readonly id: string;
  readonly class: FailureClass;
  /** Looked for with `find`; the rule applies only when it is found. */
  readonly pattern?: RegExp;
  /** A further condition on the whole input (after `pattern`, when there is one). */
  readonly when?: (c: FailureContext) => boolean;
  /** A console line this rule recognises on its own: documentation, and the input of the order test. */
  readonly example?: string;
  /** What the rule says; `m` is `pattern`'s match. */
  readonly diagnose: (c: FailureContext, m: RegExpExecArray | undefined) => RuleDiagnosis;
}

// Exceptions raised by the launchers about a child, not by the training itself.
export const LAUNCHER_EXC = /CalledProcessError|ChildFailedError|SystemExit|KeyboardInterrupt/;
/** `module.SomeError: message`, as Python prints an uncaught exception. */
export const PY_EXCEPTION = /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt): /;

/** The value the run used: the config's, else the script's default (the full script's when the script is unknown). */
export function argOf(input: FailureInput, dest: string): ArgValue | undefined {
  if (input.args && dest in input.args) return input.args[dest];
  const spec = input.script ? SCRIPTS[input.script].byDest.get(dest) : SCRIPTS.full.byDest.get(dest);
  return spec?.default;
}

/** Whether the run's script has the argument (any script may, when unknown). */
export function hasArg(input: FailureInput, dest: string): boolean {
  return input.script ? SCRIPTS[input.script].byDest.has(dest) : true;
}

/** A fix edit that sets one argument. */
export const setArg = (dest: string, value: ArgValue) => ({ op: 'set' as const, path: `/args/${dest}`, value });
