// Turning a pasted training command (README style) or an argv into a config.
// The shell reading is a small POSIX subset: words, quotes, backslashes, line continuations, comments and
// command separators. Nothing is executed or expanded except variables the pasted text itself assigns.
import type { AccelerateOptions, LaunchSettings, SdxlConfig } from '../config/config';
import { SCRIPTS, scriptKindFromPath, type ArgSpec, type ArgValue, type ScriptKind } from '../scripts/scriptTables';
import { kindsInWords } from '../scripts/kinds';

export class ImportError extends Error {}

/** The script cannot be told from the command (no known script file name): ask for or pass the script kind. */
export class UnknownScriptError extends ImportError {}

export interface TokenizeOptions {
  /** Values for `$NAME` / `${NAME}` outside single quotes; names not in it stay literally as written. */
  vars?: ReadonlyMap<string, string>;
}

const SEPARATORS = ['&&', '||', ';', '|', '&'];

/**
 * Split shell text into commands (at newlines, `;`, `&&`, `||`, `|`, `&`) of words.
 * Handles '…', "…" (with \\ \" \$ \` escapes), backslash escapes, backslash-newline continuations (and a lone
 * ` or ^ ending a line, as PowerShell and cmd.exe write them),
 * `#` comments at the start of a word, and leaves `$VAR`, `${VAR}`, `$(…)` and backticks as written.
 */
export function splitShellCommands(text: string, opts: TokenizeOptions = {}): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = '';
  let inWord = false;
  const endWord = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  // `$NAME` or `${NAME}` at i: substituted when known, else kept literally. Returns the next index.
  const dollar = (i: number): number => {
    const m = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/.exec(text.slice(i, i + 200));
    if (!m) {
      word += '$';
      return i + 1;
    }
    const name = m[1] ?? m[2]!;
    const value = opts.vars?.get(name);
    word += value ?? m[0];
    return i + m[0].length;
  };

  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      const n = text[i + 1];
      if (n === '\n')
        i += 2; // line continuation
      else if (n === '\r' && text[i + 2] === '\n') i += 3;
      else if (n === undefined) i++;
      else {
        word += n;
        inWord = true;
        i += 2;
      }
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ImportError(`Unterminated single quote starting at character ${i + 1}.`);
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      for (;;) {
        if (i >= text.length) throw new ImportError('Unterminated double quote.');
        const d = text[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) {
          if (text[i + 1] !== '\n') word += text[i + 1];
          i += 2;
        } else if (d === '$') {
          i = dollar(i);
        } else {
          word += d;
          i++;
        }
      }
    } else if ((c === '`' || c === '^') && !inWord && /^\r?\n/.test(text.slice(i + 1, i + 3))) {
      // PowerShell (`) and cmd.exe (^) line continuations, as pasted from Windows instructions.
      i += text[i + 1] === '\r' ? 3 : 2;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '\n') {
      endCommand();
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      i++;
    } else if (c === '$') {
      inWord = true;
      i = dollar(i);
    } else {
      const sep = SEPARATORS.find((s) => text.startsWith(s, i));
      if (sep) {
        endCommand();
        i += sep.length;
      } else {
        word += c;
        inWord = true;
        i++;
      }
    }
  }
  endCommand();
  return commands;
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function isPython(word: string): boolean {
  return /^python(\d+(\.\d+)*)?(\.exe)?$/i.test(basename(word));
}

function isAccelerate(word: string): boolean {
  return /^accelerate(\.exe)?$/i.test(basename(word));
}

/** Whether a command looks like the training launch (as opposed to `export`, `cd`, `pip install`…). */
function isLaunchCommand(words: readonly string[]): boolean {
  const rest = stripEnvPrefix(words).command;
  const first = rest[0];
  if (first === undefined) return false;
  if (isAccelerate(first)) return rest[1] === 'launch';
  if (isPython(first)) return rest.some((w) => w.endsWith('.py')) || rest.includes('accelerate.commands.launch');
  return first.endsWith('.py');
}

/**
 * Words of the training command in pasted shell text: the `accelerate launch …` or `python … .py` command
 * when the text holds several commands, else the only one. `$VAR`s stay as written.
 */
export function tokenizeShellCommand(text: string, opts: TokenizeOptions = {}): string[] {
  const commands = splitShellCommands(text, opts);
  const launch = commands.filter(isLaunchCommand);
  return launch[launch.length - 1] ?? commands[commands.length - 1] ?? [];
}

/** Variables the text assigns (`export NAME=value`, `NAME=value` alone on a command), last one winning. */
export function assignedVariables(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const words of splitShellCommands(text)) {
    const ws = words[0] === 'export' ? words.slice(1) : words;
    if (ws.length === 0 || !ws.every((w) => ASSIGNMENT.test(w))) continue;
    for (const w of ws) {
      const m = ASSIGNMENT.exec(w)!;
      vars.set(m[1]!, m[2]!);
    }
  }
  return vars;
}

function stripEnvPrefix(words: readonly string[]): { env: Record<string, string>; command: string[] } {
  const env: Record<string, string> = {};
  let i = 0;
  if (words[0] === 'env') i = 1;
  for (; i < words.length; i++) {
    const m = ASSIGNMENT.exec(words[i]!);
    if (!m) break;
    env[m[1]!] = m[2]!;
  }
  return { env, command: words.slice(i) };
}

export interface ImportResult {
  config: SdxlConfig;
  warnings: string[];
}

// `accelerate launch` options that take no value (store_true), so the next word is not theirs.
const ACCELERATE_FLAGS = new Set([
  'multi_gpu',
  'same_network',
  'quiet',
  'q',
  'cpu',
  'use_cpu',
  'debug',
  'tpu',
  'use_deepspeed',
  'use_fsdp',
  'use_xpu',
  'use_mps_device',
  'mps',
  'module',
  'm',
  'no_python',
  'enable_cpu_affinity',
  'tpu_use_cluster',
  'tpu_use_sudo',
  'ipex',
  'use_megatron_lm',
]);
const ACCELERATE_INTS = new Set(['num_processes', 'num_machines', 'machine_rank', 'main_process_port', 'num_cpu_threads_per_process']);
const ACCELERATE_ALIASES: Record<string, string> = { q: 'quiet', m: 'module' };

// The options the config schema describes (launch.accelerateArgs).
const KNOWN_ACCELERATE = new Set([
  'config_file',
  'num_processes',
  'num_machines',
  'machine_rank',
  'main_process_ip',
  'main_process_port',
  'mixed_precision',
  'multi_gpu',
  'gpu_ids',
  'same_network',
  'rdzv_backend',
  'num_cpu_threads_per_process',
  'dynamo_backend',
  'quiet',
]);

// argparse takes a word starting with `-` as a value only when it looks like a negative number.
const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

function takesValue(next: string | undefined): next is string {
  return next !== undefined && (!next.startsWith('-') || NEGATIVE_NUMBER.test(next));
}

/** Parse `[launcher …] script.py` up to the script path; returns the index of the first script argument. */
function parseLauncher(words: string[], launch: LaunchSettings, warnings: string[]): { scriptIndex: number } {
  let i = 0;
  const first = words[0];
  if (first === undefined) return { scriptIndex: -1 };
  let viaAccelerate = false;
  if (isAccelerate(first) && words[1] === 'launch') {
    if (first !== 'accelerate') launch.accelerate = first;
    viaAccelerate = true;
    i = 2;
  } else if (isPython(first)) {
    launch.python = first;
    i = 1;
    // Interpreter options before the script or module (-u, -X dev, -W ignore…).
    while (i < words.length && words[i]!.startsWith('-') && words[i] !== '-m') {
      i += /^-[XW]$/.test(words[i]!) ? 2 : 1;
    }
    if (words[i] === '-m') {
      const mod = words[i + 1];
      if (mod === 'accelerate.commands.launch') {
        viaAccelerate = true;
        i += 2;
      } else if (mod === 'accelerate.commands.accelerate_cli' && words[i + 2] === 'launch') {
        viaAccelerate = true;
        i += 3;
      } else {
        throw new ImportError(`Cannot import "python -m ${mod ?? ''}": expected "python -m accelerate.commands.launch" or a training script path.`);
      }
    } else {
      warnings.push(
        'The command runs the script with plain python; the extension always starts it with `accelerate launch` (one process unless launch.accelerateArgs says otherwise).',
      );
    }
  } else if (first.startsWith('-')) {
    // Bare script arguments (no launcher, no script path).
    return { scriptIndex: -1 };
  }

  if (viaAccelerate) {
    const acc: Record<string, ArgValue> = {};
    while (i < words.length && words[i]!.startsWith('-')) {
      const w = words[i]!;
      const eq = w.indexOf('=');
      const raw = (eq >= 0 ? w.slice(0, eq) : w).replace(/^--?/, '');
      const name = ACCELERATE_ALIASES[raw] ?? raw.replace(/-/g, '_');
      let value: string | true;
      if (eq >= 0) value = w.slice(eq + 1);
      else if (ACCELERATE_FLAGS.has(raw) || ACCELERATE_FLAGS.has(name) || !takesValue(words[i + 1])) value = true;
      else {
        value = words[i + 1]!;
        i++;
      }
      i++;
      if (name === 'module' || name === 'no_python') {
        throw new ImportError(`accelerate launch --${name} is not supported: the extension launches a script file.`);
      }
      // A count JSON cannot hold exactly (or at all: 400 digits are Infinity, written as null) stays text.
      if (value !== true && ACCELERATE_INTS.has(name) && /^[+-]?\d+$/.test(value.trim()) && Number.isSafeInteger(Number(value))) acc[name] = Number(value);
      else acc[name] = value;
      if (!KNOWN_ACCELERATE.has(name))
        warnings.push(`accelerate launch option --${name} is not one the extension knows; it is kept in launch.accelerateArgs and passed on as is.`);
    }
    if (Object.keys(acc).length > 0) launch.accelerateArgs = acc as AccelerateOptions;
  }
  if (i >= words.length) throw new ImportError('No training script path found in the command.');
  return { scriptIndex: i };
}

// Python's int() and float() accept surrounding spaces and `_` between digits.
const INT_TEXT = /^[+-]?\d+(_\d+)*$/;
const FLOAT_TEXT = /^[+-]?(\d+(_\d+)*(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)([eE][+-]?\d+(_\d+)*)?$/;

/** Past any double: as a number it would be Infinity, which JSON writes as null. Kept as the text that was given. */
function tooLarge(spec: ArgSpec, t: string, warnings: string[]): string {
  warnings.push(`${spec.name}: ${t.length > 40 ? `${t.slice(0, 40)}…` : t} is too large for a JSON number; kept as text.`);
  return t;
}

function convert(spec: ArgSpec, text: string, warnings: string[]): ArgValue {
  const t = text.trim();
  if (spec.type === 'int') {
    if (!INT_TEXT.test(t)) {
      warnings.push(`${spec.name}: ${JSON.stringify(text)} is not an integer (argparse would reject it); kept as text.`);
      return text;
    }
    const n = Number(t.replace(/_/g, ''));
    if (!Number.isFinite(n)) return tooLarge(spec, t, warnings);
    if (!Number.isSafeInteger(n)) warnings.push(`${spec.name}: ${t} is too large to keep exactly in JSON.`);
    return n;
  }
  if (spec.type === 'float') {
    if (!FLOAT_TEXT.test(t)) {
      warnings.push(`${spec.name}: ${JSON.stringify(text)} is not a number JSON can hold (argparse float() may still read it); kept as text.`);
      return text;
    }
    const n = Number(t.replace(/_/g, ''));
    return Number.isFinite(n) ? n : tooLarge(spec, t, warnings);
  }
  if (spec.choices && !spec.choices.map(String).includes(text)) {
    warnings.push(`${spec.name}: ${JSON.stringify(text)} is not one of ${spec.choices.join(', ')} (argparse would reject it).`);
  }
  return text;
}

/** The argument a flag names: exact match, else (as argparse allows) a unique prefix. */
function findSpec(kind: ScriptKind, flag: string, warnings: string[]): ArgSpec | undefined {
  const args = SCRIPTS[kind].args;
  const exact = args.find((a) => a.name === flag);
  if (exact) return exact;
  const prefixed = args.filter((a) => a.name.startsWith(flag));
  if (prefixed.length === 1) {
    warnings.push(`${flag} is an abbreviation of ${prefixed[0]!.name}; stored as "${prefixed[0]!.dest}".`);
    return prefixed[0];
  }
  return undefined;
}

/** Script arguments (`--name value`, `--name=value`, store_true flags) into config values by the script's table. */
function parseScriptArgs(kind: ScriptKind, words: readonly string[], warnings: string[]): Record<string, ArgValue> {
  const args: Record<string, ArgValue> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      warnings.push(`Words after "--" are positional arguments the script does not take: ${words.slice(i + 1).join(' ')}`);
      break;
    }
    if (!w.startsWith('-') || NEGATIVE_NUMBER.test(w)) {
      warnings.push(`Unexpected word ${JSON.stringify(w)} (not an option of ${SCRIPTS[kind].fileName}); ignored.`);
      continue;
    }
    const eq = w.indexOf('=');
    const flag = eq >= 0 ? w.slice(0, eq) : w;
    const inline = eq >= 0 ? w.slice(eq + 1) : undefined;
    const spec = flag.startsWith('--') ? findSpec(kind, flag, warnings) : undefined;
    if (!spec) {
      let skipped = '';
      if (inline === undefined && takesValue(words[i + 1])) {
        skipped = ` and its value ${JSON.stringify(words[i + 1])}`;
        i++;
      }
      warnings.push(`Unknown option ${flag} for ${SCRIPTS[kind].fileName}: left out${skipped}.`);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(args, spec.dest)) {
      warnings.push(`${spec.name} is given more than once; the last value is kept (as argparse does).`);
    }
    if (spec.type === 'bool-flag') {
      if (inline !== undefined) {
        warnings.push(`${spec.name} takes no value (argparse rejects "${w}"); stored as true.`);
      }
      args[spec.dest] = true;
      continue;
    }
    let text: string;
    if (inline !== undefined) text = inline;
    else if (takesValue(words[i + 1])) text = words[++i]!;
    else {
      warnings.push(`${spec.name} has no value (argparse would reject it); left out.`);
      continue;
    }
    if (spec.type === 'bool') {
      // argparse's type=bool: bool("False") is True; only the empty string is False.
      if (text !== '' && /^(false|0|no|off)$/i.test(text.trim())) {
        warnings.push(
          `${spec.name}=${text} means True to the script (type=bool reads any non-empty text as True); stored as true. Use false in the config for False.`,
        );
      }
      args[spec.dest] = text !== '';
      continue;
    }
    args[spec.dest] = convert(spec, text, warnings);
  }
  return args;
}

/**
 * A config from an argv: a full launch (`accelerate launch [opts] script.py …`, `python -m accelerate.commands.launch …`,
 * `python script.py …`, with optional leading `NAME=value` assignments) or just the script's arguments.
 * `kind` wins over the script detected from the path (with a warning when they differ).
 */
export function importArgs(kind: ScriptKind | undefined, argv: readonly string[]): ImportResult {
  const warnings: string[] = [];
  const { env, command } = stripEnvPrefix(argv);
  const launch: LaunchSettings = {};
  const { scriptIndex } = parseLauncher(command, launch, warnings);
  let scriptKind = kind;
  let rest: string[] = command;
  if (scriptIndex >= 0) {
    const scriptPath = command[scriptIndex]!;
    const detected = scriptKindFromPath(scriptPath);
    if (!scriptKind) {
      if (!detected) {
        throw new UnknownScriptError(
          `Cannot tell which script ${JSON.stringify(scriptPath)} is; expected one of ${Object.values(SCRIPTS)
            .map((s) => s.fileName)
            .join(', ')} (or pass the script kind).`,
        );
      }
      scriptKind = detected;
    } else if (detected && detected !== scriptKind) {
      warnings.push(
        `The command runs ${basename(scriptPath)} (script "${detected}") but "${scriptKind}" was asked for; its arguments are read as "${scriptKind}".`,
      );
    } else if (!detected) {
      warnings.push(`${JSON.stringify(scriptPath)} is not a known script file name; read as "${scriptKind}".`);
    }
    if (scriptPath !== SCRIPTS[scriptKind].fileName) launch.scriptPath = scriptPath;
    rest = command.slice(scriptIndex + 1);
  }
  if (!scriptKind)
    throw new UnknownScriptError(`Cannot tell which script the arguments are for; pass the script kind (${kindsInWords({ quote: false, or: true })}).`);
  if (Object.keys(env).length > 0) launch.env = env;
  const args = parseScriptArgs(scriptKind, rest, warnings);
  for (const [name, value] of [...Object.entries(args), ...Object.entries(env)]) {
    if (typeof value === 'string' && /\$\{?[A-Za-z_]/.test(value)) {
      warnings.push(`${name} contains a shell variable (${value}); it is kept literally, not expanded.`);
    }
  }
  for (const spec of SCRIPTS[scriptKind].args) {
    if (spec.required && !(spec.dest in args)) warnings.push(`Required argument ${spec.name} is missing.`);
  }
  const config: SdxlConfig = { script: scriptKind, ...(Object.keys(launch).length > 0 ? { launch } : {}), args };
  return { config, warnings };
}

/**
 * A config from pasted shell text, e.g. a README's `export MODEL_NAME=…` lines followed by a multi-line
 * `accelerate launch … \` command. Variables assigned in the text are substituted; others stay literal.
 */
export function importCommandText(kind: ScriptKind | undefined, text: string): ImportResult {
  const vars = assignedVariables(text);
  const words = tokenizeShellCommand(text, { vars });
  if (words.length === 0) throw new ImportError('The pasted text holds no command.');
  return importArgs(kind, words);
}
