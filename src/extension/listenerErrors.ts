// Errors of event listeners are logged, saying what failed, never dropped: the emitters that call our listeners
// (RunMonitor, a records watch, a settings change) must go on, so they swallow what a listener throws.
// No vscode import: tested on plain Node.

export type Log = (message: string) => void;

function describe(what: string, e: unknown): string {
  return `${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
}

/** `listener`, with what it throws (or its promise rejects with) passed to `log` as "<what> failed: …". */
export function loggingErrors<A extends unknown[]>(what: string, log: Log, listener: (...args: A) => unknown): (...args: A) => void {
  return (...args: A) => {
    try {
      const out = listener(...args);
      if (out instanceof Promise) out.catch((e: unknown) => log(describe(what, e)));
    } catch (e) {
      log(describe(what, e));
    }
  };
}

/** Runs a background promise (started by a listener, a timer), logging its failure instead of leaving it unhandled. */
export function logFailure(what: string, log: Log, work: Promise<unknown>): void {
  work.catch((e: unknown) => log(describe(what, e)));
}
