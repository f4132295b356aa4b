// What a CLI command gets: its arguments and where to write. Kept apart so commands are testable in-process.
import type { WrapperLauncher } from '../core/supervisor/launcher';
import type { SlurmClient } from '../core/supervisor/slurmTypes';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads all of standard input (for `--stdin`); rejects with InputTooLargeError beyond `maxBytes`. */
  readStdin(maxBytes: number): Promise<string>;
  cwd: string;
  /** Ctrl-C: calls `handler` on each interrupt while subscribed (then the process is not ended); returns unsubscribe. */
  onInterrupt?(handler: () => void): () => void;
  /**
   * Asks a question at a terminal and resolves with the answer line (undefined at end of input). Absent when standard
   * input or output is not a terminal: commands that need a yes then want `--yes`.
   */
  ask?(question: string): Promise<string | undefined>;
  /** The environment (HF_TOKEN, HF_ENDPOINT, …); default process.env (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** How runs' detached wrappers are started; default: this Node with wrapper.js next to the CLI (tests run sources). */
  launcher?: WrapperLauncher;
  /** How Slurm is asked for runs of the slurm profile; default: sbatch / scontrol / scancel on PATH (tests pass a fake). */
  slurm?: SlurmClient;
}

export type CliCommand = (args: string[], io: CliIo) => Promise<number>;

export class UsageError extends Error {}

/** Input over the size a command accepts; the message says how much that is. */
export class InputTooLargeError extends Error {}

export function mib(bytes: number): string {
  return `${bytes / 1048576} MiB`;
}

/**
 * All of a stream as UTF-8 (a leading byte-order mark dropped), reading no further than `maxBytes` + 1 bytes: a
 * larger input rejects with InputTooLargeError as soon as it is seen, instead of being held in memory.
 */
export function readCapped(stream: NodeJS.ReadableStream, maxBytes: number, what = 'standard input'): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      if (err) {
        stream.pause();
        reject(err);
      } else
        resolve(
          Buffer.concat(chunks)
            .toString('utf8')
            .replace(/^\uFEFF/, ''),
        );
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > maxBytes) done(new InputTooLargeError(`${what} is over ${mib(maxBytes)}, the most this command reads`));
      else chunks.push(buf);
    };
    const onEnd = () => done();
    const onError = (e: Error) => done(e);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/** Minimal flag reader: `--name value`, `--name=value`, boolean `--flag`; `--` ends flags. */
export function parseFlags(args: string[], booleans: readonly string[] = []): { flags: Map<string, string | true>; positional: string[]; rest: string[] } {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest = args.slice(i + 1);
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      if (eq >= 0) flags.set(name, a.slice(eq + 1));
      else if (booleans.includes(name)) flags.set(name, true);
      else {
        const v = args[i + 1];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
        i++;
      }
    } else positional.push(a);
  }
  return { flags, positional, rest };
}

/**
 * Flags that may repeat (`--tag a --tag b`, `--prompt P --prompt Q`), which parseFlags does not keep: every value of
 * each flag in order, the positional words, and `--json`. An unknown flag, a flag without its value, or a repeat of a
 * flag outside `repeatable` is a UsageError.
 */
export function parseRepeatedFlags(
  args: string[],
  valued: ReadonlySet<string>,
  repeatable: ReadonlySet<string>,
  usage: string,
): { values: Map<string, string[]>; positional: string[]; json: boolean } {
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') {
      json = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (!valued.has(name)) throw new UsageError(`unknown option --${name}\n${usage}`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (values.has(name) && !repeatable.has(name)) throw new UsageError(`--${name} given twice`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values, positional, json };
}
