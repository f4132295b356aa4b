// The extension's output channel with every line masked (redact.ts): error messages and stacks quote commands and
// consoles, and the channel is what users paste into bug reports.
import type * as vscode from 'vscode';

/** `channel`, with each message (and each string argument) passed through `redact` first. */
export function redactingLogChannel(channel: vscode.LogOutputChannel, redact: (text: string) => string): vscode.LogOutputChannel {
  const args = (a: unknown[]) => a.map((x) => (typeof x === 'string' ? redact(x) : x instanceof Error ? redactError(x, redact) : x));
  return {
    get name() {
      return channel.name;
    },
    get logLevel() {
      return channel.logLevel;
    },
    onDidChangeLogLevel: channel.onDidChangeLogLevel,
    trace: (m: string, ...a: unknown[]) => channel.trace(redact(m), ...args(a)),
    debug: (m: string, ...a: unknown[]) => channel.debug(redact(m), ...args(a)),
    info: (m: string, ...a: unknown[]) => channel.info(redact(m), ...args(a)),
    warn: (m: string, ...a: unknown[]) => channel.warn(redact(m), ...args(a)),
    error: (e: string | Error, ...a: unknown[]) => channel.error(typeof e === 'string' ? redact(e) : redactError(e, redact), ...args(a)),
    append: (v: string) => channel.append(redact(v)),
    appendLine: (v: string) => channel.appendLine(redact(v)),
    replace: (v: string) => channel.replace(redact(v)),
    clear: () => channel.clear(),
    show: (columnOrPreserveFocus?: vscode.ViewColumn | boolean, preserveFocus?: boolean) =>
      typeof columnOrPreserveFocus === 'boolean' || columnOrPreserveFocus === undefined
        ? channel.show(columnOrPreserveFocus)
        : channel.show(columnOrPreserveFocus, preserveFocus),
    hide: () => channel.hide(),
    dispose: () => channel.dispose(),
  };
}

/** An Error whose message and stack are masked (the channel prints both). */
function redactError(e: Error, redact: (text: string) => string): Error {
  const copy = new Error(redact(e.message));
  copy.name = e.name;
  copy.stack = e.stack === undefined ? undefined : redact(e.stack);
  return copy;
}
