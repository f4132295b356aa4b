// Quoting an argv for people to copy into a terminal. The extension itself never goes through a shell:
// runs are spawned with argument arrays. These strings are for "Copy Command Line" and `sdxl-trainer command --shell`.

export type ShellKind = 'bash' | 'powershell';

export interface FormatOptions {
  /** One flag (with its value) per line, joined by the shell's line continuation. Default true. */
  multiline?: boolean;
  /** Environment variables to set for the command. */
  env?: Record<string, string>;
  /** Folder to change into first. */
  cwd?: string;
}

// Words made only of these characters mean the same to bash unquoted.
const BASH_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one word for bash (and POSIX sh): bare when nothing in it is special, else single quotes. */
export function quoteBash(word: string): string {
  if (BASH_SAFE.test(word)) return word;
  return "'" + word.replace(/'/g, "'\\''") + "'";
}

// PowerShell treats the typographic single quotes as quote characters too, so each must be doubled.
const PS_SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;
// Bare words PowerShell passes to a native command unchanged. Flags that contain `.` or `:` are quoted because
// Windows PowerShell splits arguments such as `-a.b` in two.
const PS_SAFE_WORD = /^[A-Za-z0-9_][A-Za-z0-9_./\\:-]*$/;
const PS_SAFE_FLAG = /^--?[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Quote one word for PowerShell: bare when safe, else a single-quoted string (nothing expands inside).
 * Note: Windows PowerShell before 7.3 drops embedded double quotes when calling native programs; that is
 * PowerShell's argument passing, not something quoting can fix for every version.
 */
export function quotePowerShell(word: string): string {
  if (PS_SAFE_WORD.test(word) || PS_SAFE_FLAG.test(word)) return word;
  return "'" + word.replace(PS_SINGLE_QUOTES, (q) => q + q) + "'";
}

/** Group argv into display lines: the command and its sub-command, then each flag with its value. */
function lines(argv: readonly string[]): string[][] {
  const out: string[][] = [];
  let i = 0;
  const head: string[] = [];
  while (i < argv.length && (i === 0 || !argv[i]!.startsWith('-'))) {
    head.push(argv[i]!);
    i++;
    // Stop the head at the script path so `accelerate launch train.py` stays on the first line only without options.
    if (head.length >= 2 && head[head.length - 1]!.endsWith('.py')) break;
  }
  out.push(head);
  while (i < argv.length) {
    const word = argv[i]!;
    const next = argv[i + 1];
    // A flag followed by a word that is not itself a flag (nor the script) shares its line: `--name value`.
    if (word.startsWith('-') && !word.includes('=') && next !== undefined && !next.startsWith('-') && !next.endsWith('.py')) {
      out.push([word, next]);
      i += 2;
    } else {
      out.push([word]);
      i++;
    }
  }
  return out;
}

const BASH_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Runs "$0" with the rest as its arguments: what a program path containing `=` is given to after `env`, which takes
// every word containing `=` (quoted or not: the quotes are gone by then) for another assignment.
const EXEC_ARGS = `bash -c 'exec "$0" "$@"'`;

function formatBash(argv: readonly string[], opts: FormatOptions): string {
  const pre: string[] = [];
  if (opts.cwd !== undefined) pre.push(`cd ${quoteBash(opts.cwd)} &&`);
  const env = Object.entries(opts.env ?? {});
  // `NAME=value cmd` needs a valid shell name; `env` takes any name (`--`: even one starting with `-`).
  const viaEnv = env.some(([k]) => !BASH_NAME.test(k));
  const envWords = env.map(([k, v]) => (viaEnv ? quoteBash(`${k}=${v}`) : `${k}=${quoteBash(v)}`));
  const first = argv[0] ?? '';
  // A bare first word containing `=` would read as an assignment, so quote it.
  const exe = first.includes('=') || first === '' ? "'" + first.replace(/'/g, "'\\''") + "'" : quoteBash(first);
  const quoted = (ws: string[], isHead: boolean): string => ws.map((w, j) => (isHead && j === 0 ? exe : quoteBash(w))).join(' ');
  const groups = opts.multiline === false ? [[...argv]] : lines(argv);
  const body = groups.map((g, j) => quoted(g, j === 0));
  const envPrefix = viaEnv ? ['env', '--', ...envWords, ...(first.includes('=') ? [EXEC_ARGS] : [])] : envWords;
  body[0] = [...envPrefix, body[0]].join(' ');
  const cmd = body.join(opts.multiline === false ? ' ' : ' \\\n  ');
  return pre.length > 0 ? `${pre.join(' ')} ${opts.multiline === false ? '' : '\\\n'}${cmd}` : cmd;
}

function formatPowerShell(argv: readonly string[], opts: FormatOptions): string {
  const pre: string[] = [];
  if (opts.cwd !== undefined) pre.push(`Set-Location -LiteralPath ${psString(opts.cwd)}`);
  for (const [k, v] of Object.entries(opts.env ?? {})) pre.push(`\${env:${k.replace(/[{}`]/g, '`$&')}} = ${psString(v)}`);
  // `&` runs the (always quoted) executable, so a path with spaces or a leading quote works.
  const groups = opts.multiline === false ? [[...argv]] : lines(argv);
  const body = groups.map((g, j) => g.map((w, k) => (j === 0 && k === 0 ? psString(w) : quotePowerShell(w))).join(' '));
  body[0] = '& ' + body[0];
  const cmd = body.join(opts.multiline === false ? ' ' : ' `\n  ');
  return [...pre, cmd].join('\n');
}

function psString(s: string): string {
  return "'" + s.replace(PS_SINGLE_QUOTES, (q) => q + q) + "'";
}

/** Why `argv` and `opts` cannot be written as a command line in any shell, or undefined. */
function unwritable(argv: readonly string[], opts: FormatOptions): string | undefined {
  const i = argv.findIndex((w) => w.includes('\0'));
  if (i >= 0) return i === 0 ? 'the program path contains a NUL character' : `argument ${i} contains a NUL character`;
  if (opts.cwd?.includes('\0')) return 'the working folder contains a NUL character';
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (k === '' || k.includes('=')) return `environment variable name ${JSON.stringify(k)} is empty or contains "="`;
    if (k.includes('\0') || v.includes('\0')) return `environment variable ${JSON.stringify(k)} contains a NUL character`;
  }
  return undefined;
}

/** A command line that runs exactly `argv` when pasted into the given shell. Throws for what no command line can say. */
export function formatCommandLine(argv: readonly string[], shell: ShellKind, opts: FormatOptions = {}): string {
  if (argv.length === 0) throw new Error('formatCommandLine: empty argv');
  const why = unwritable(argv, opts);
  if (why) throw new Error(`cannot write this launch as a command line: ${why}`);
  return shell === 'bash' ? formatBash(argv, opts) : formatPowerShell(argv, opts);
}
