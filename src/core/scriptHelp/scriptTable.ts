// The argument table of the user's own script file (from its `--help`), in the shape of the built-in tables, and the
// words that say which of the two a config is checked against.
import { basename } from 'node:path';
import { SCRIPTS, groupOf, type ArgSpec, type ScriptKind } from '../scripts/scriptTables';
import type { ParsedHelp } from './helpParser';

export interface ScriptArgTable {
  readonly kind: ScriptKind;
  /** Absolute path of the script file whose `--help` this is. */
  readonly scriptPath: string;
  /** sha256 (hex) of the script file's content. */
  readonly hash: string;
  readonly args: readonly ArgSpec[];
}

/**
 * The table a config's arguments are checked against. Plain data (no Map), so it crosses to the validation worker
 * and into the cache file as it is.
 */
export type ArgTableChoice =
  | { readonly source: 'script'; readonly table: ScriptArgTable }
  | { readonly source: 'builtin'; readonly kind: ScriptKind; readonly reason: string; readonly scriptPath?: string };

/**
 * The script's options as ArgSpecs. The help says no type or default: where the built-in table has the same dest with
 * the same shape (a switch or a value), its type, default and notes are kept; the rest takes any one value (`untyped`).
 * Everything the help does say (flags, choices, required, help text) comes from the script.
 */
export function tableFromHelp(kind: ScriptKind, scriptPath: string, hash: string, parsed: ParsedHelp): ScriptArgTable {
  const builtin = SCRIPTS[kind].byDest;
  const args = parsed.options.map((o): ArgSpec => {
    const known = builtin.get(o.dest);
    const sameShape = known !== undefined && (known.type === 'bool-flag') === !o.takesValue;
    const numeric = sameShape && (known.type === 'int' || known.type === 'float');
    const choices =
      o.choices === null ? null : numeric && o.choices.every((c) => c.trim() !== '' && Number.isFinite(Number(c))) ? o.choices.map(Number) : o.choices;
    return {
      name: o.name,
      dest: o.dest,
      type: !o.takesValue ? 'bool-flag' : sameShape ? known.type : 'str',
      default: sameShape ? known.default : o.takesValue ? null : false,
      choices,
      required: o.required,
      help: o.help,
      ...(known?.notes ? { notes: known.notes } : {}),
      group: groupOf(o.dest),
      ...(o.takesValue && !sameShape ? { untyped: true as const } : {}),
      ...(o.nargs !== null ? { nargs: o.nargs } : {}),
    };
  });
  return { kind, scriptPath, hash, args };
}

/** "the built-in table of diffusers 0.40.0.dev0 (commit 58eb52c)". */
export function builtinTableName(kind: ScriptKind): string {
  const info = SCRIPTS[kind];
  const version = info.diffusersVersion ? `diffusers ${info.diffusersVersion}` : 'diffusers';
  return `the built-in table of ${version} (commit ${info.diffusersCommit.slice(0, 7)})`;
}

/** One line saying which table is in use, and for the built-in one why the script's own is not. */
export function describeTableChoice(choice: ArgTableChoice): string {
  if (choice.source === 'script') return `arguments from the script at ${choice.table.scriptPath} (its own --help)`;
  return `arguments from ${builtinTableName(choice.kind)}: ${choice.reason}`;
}

/**
 * The same in a few words, for the language status item, whose hover cuts a long detail (and the link after it): the
 * script's file name, or why not its table, cut at a word. The hover on an argument gives the whole of it.
 */
export function shortTableChoice(choice: ArgTableChoice, max = 60): string {
  const text = choice.source === 'script' ? `from ${basename(choice.table.scriptPath)}` : choice.reason.split('\n')[0]!;
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}
