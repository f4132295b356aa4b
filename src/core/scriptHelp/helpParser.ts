// argparse's `--help` text → the options it declares. The help says less than the parser knows: no types and no
// defaults (the diffusers scripts print neither), so each option gets what the text does say: its flags, whether it
// takes a value (a metavar) and how many (nargs), choices (`{a,b}`), required (outside brackets in the usage line) and
// the help text. Works on wrapped (80 columns) and unwrapped output alike.

export interface HelpOption {
  /** The first long flag, e.g. `--learning_rate` (the short one when there is none). */
  readonly name: string;
  /** argparse's dest: the first long flag without dashes, `-` → `_`. */
  readonly dest: string;
  /** Every flag of the option, e.g. `-o`, `--output`. */
  readonly flags: readonly string[];
  /** false for a switch (store_true and the like: no metavar). */
  readonly takesValue: boolean;
  /** null for one value; `?`, `*`, `+` or a count as argparse prints them. */
  readonly nargs: '?' | '*' | '+' | number | null;
  readonly choices: readonly string[] | null;
  readonly required: boolean;
  /** The help text on one line; null where argparse declares none. */
  readonly help: string | null;
}

export interface ParsedHelp {
  readonly prog: string;
  readonly options: readonly HelpOption[];
}

/** Output that is not an argparse help; the message says what was expected and at which line. */
export class HelpParseError extends Error {}

// An option line: two spaces of indent (argparse's section indent), then its flags.
const OPTION_LINE = /^ {2}(-\S.*)$/;
const SECTION = /^\S.*:$/;

/** Splits `--name VALUE  help` into the invocation and the help on the same line (argparse pads with 2+ spaces). */
function splitInvocation(rest: string): [string, string] {
  const m = /^(.*?\S)(?: {2,}(\S.*))?$/.exec(rest);
  return m ? [m[1]!, m[2] ?? ''] : [rest, ''];
}

interface Invocation {
  flags: string[];
  takesValue: boolean;
  nargs: HelpOption['nargs'];
  choices: string[] | null;
}

/** `-o OUT, --output OUT` | `--mode {a,b}` | `--x [X]` | `--x [X ...]` | `--x X [X ...]` | `--x X X` | `--flag`. */
function parseInvocation(text: string): Invocation | undefined {
  // Each flag's spelling is repeated per alias: read the last one (a long flag, where both exist).
  const parts = text.split(', ').filter((p) => p.startsWith('-'));
  if (parts.length === 0) return undefined;
  const flags: string[] = [];
  let words: string[] = [];
  for (const p of parts) {
    const [flag, ...rest] = p.split(' ');
    flags.push(flag!);
    words = rest;
  }
  if (!flags.every((f) => /^--?[^\s-][^\s]*$/.test(f) || /^-[^\s-]$/.test(f))) return undefined;
  if (words.length === 0) return { flags, takesValue: false, nargs: null, choices: null };
  const metavar = words.join(' ');
  const first = words[0]!;
  const choiceText = /^\[?\{(.*)\}/.exec(first)?.[1];
  const choices = choiceText !== undefined ? choiceText.split(',') : null;
  let nargs: HelpOption['nargs'] = null;
  if (/^\[[^\]]* \.\.\.\]$/.test(metavar)) nargs = '*';
  else if (/^\S+ \[\S+ \.\.\.\]$/.test(metavar)) nargs = '+';
  else if (/^\[[^\] ]+\]$/.test(metavar)) nargs = '?';
  else if (words.length > 1) nargs = words.length;
  return { flags, takesValue: true, nargs, choices };
}

/** The dest argparse derives: the first long flag (else the first), leading dashes dropped, `-` → `_`. */
export function destOf(flags: readonly string[]): string {
  const long = flags.find((f) => f.startsWith('--')) ?? flags[0]!;
  return long.replace(/^-+/, '').replace(/-/g, '_');
}

/** Flags written outside any `[...]` in the usage text: argparse's required options. */
function requiredFlags(usage: string): Set<string> {
  const out = new Set<string>();
  let depth = 0;
  // Tokens are brackets, parentheses, `|` or runs of other characters; only bracket depth matters.
  for (const m of usage.matchAll(/[[\]]|[^\s[\]]+/g)) {
    const t = m[0];
    if (t === '[') depth++;
    else if (t === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0 && /^--?[^\s-]/.test(t)) out.add(t.replace(/[()|]+$/, '').replace(/^[()|]+/, ''));
  }
  return out;
}

/**
 * The options of an argparse help text. Throws HelpParseError when the text has no `usage:` line or no option at all
 * (an error message, a traceback, some other program's output).
 */
export function parseArgparseHelp(text: string): ParsedHelp {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const start = lines.findIndex((l) => l.startsWith('usage: '));
  if (start < 0) throw new HelpParseError(`no "usage:" line in ${lines.length} line(s) of output: not an argparse help`);
  // The usage runs to the first blank line (wrapped lines are indented under it).
  let end = start + 1;
  while (end < lines.length && lines[end]!.trim() !== '') end++;
  const usage = lines.slice(start, end).join(' ').slice('usage: '.length);
  const prog = usage.trim().split(/\s+/)[0] ?? '';
  const required = requiredFlags(usage.slice(prog.length));

  const options: HelpOption[] = [];
  let current: { inv: Invocation; help: string[] } | undefined;
  const flush = (): void => {
    if (!current) return;
    const { inv, help } = current;
    current = undefined;
    if (inv.flags.includes('-h') || inv.flags.includes('--help')) return;
    const joined = help.join(' ').replace(/\s+/g, ' ').trim();
    options.push({
      name: inv.flags.find((f) => f.startsWith('--')) ?? inv.flags[0]!,
      dest: destOf(inv.flags),
      flags: inv.flags,
      takesValue: inv.takesValue,
      nargs: inv.nargs,
      choices: inv.choices,
      required: inv.flags.some((f) => required.has(f)),
      help: joined === '' ? null : joined,
    });
  };
  for (let i = end; i < lines.length; i++) {
    const line = lines[i]!;
    const opt = OPTION_LINE.exec(line);
    if (opt) {
      const [invText, helpText] = splitInvocation(opt[1]!);
      const inv = parseInvocation(invText);
      if (inv) {
        flush();
        current = { inv, help: helpText ? [helpText] : [] };
        continue;
      }
    }
    if (current && /^ {3,}\S/.test(line)) {
      current.help.push(line.trim());
      continue;
    }
    // A section heading, a blank line, a description or an epilog ends the option.
    if (line.trim() === '' || SECTION.test(line) || !/^\s/.test(line)) flush();
  }
  flush();
  if (options.length === 0) throw new HelpParseError(`the help at line ${start + 1} lists no options (only -h, or none)`);
  return { prog, options };
}
