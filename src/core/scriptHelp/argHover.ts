// What the editor shows for the argument table in use: a hover on an argument key (the script's own help for it, and
// which table it comes from), and completions for the arguments only the script's own table has (the JSON schema,
// built from the built-in tables, offers the rest).
import { getLocation } from 'jsonc-parser';
import { parseConfigText } from '../config/config';
import { SCRIPTS, argHelp, type ArgSpec } from '../scripts/scriptTables';
import { describeTableChoice, type ArgTableChoice } from './scriptTable';

export interface ArgHover {
  /** Markdown paragraphs. */
  paragraphs: string[];
}

function specsOf(choice: ArgTableChoice): readonly ArgSpec[] {
  return choice.source === 'script' ? choice.table.args : SCRIPTS[choice.kind].args;
}

function typeWords(spec: ArgSpec): string {
  if (spec.type === 'bool-flag') return 'switch';
  if (spec.untyped) return 'value (its type is not in the help)';
  return spec.type;
}

/** `offset` on a key directly inside `args`: that key; else undefined. */
export function argKeyAt(text: string, offset: number): string | undefined {
  const loc = getLocation(text, offset);
  if (!loc.isAtPropertyKey || loc.path.length !== 2 || loc.path[0] !== 'args') return undefined;
  const key = loc.path[1];
  return typeof key === 'string' ? key : undefined;
}

/**
 * The hover for the argument key at `offset`: with the script's own table, its help (the schema's hover, from the
 * built-in table, may say otherwise); with either, one line naming the table in use.
 */
export function argHoverAt(text: string, offset: number, choice: ArgTableChoice): ArgHover | undefined {
  const key = argKeyAt(text, offset);
  if (key === undefined) return undefined;
  const table = `*Argument table: ${describeTableChoice(choice)}.*`;
  if (choice.source !== 'script') return { paragraphs: [table] };
  const spec = specsOf(choice).find((s) => s.dest === key);
  if (!spec) return { paragraphs: [`The script at ${choice.table.scriptPath} has no \`${key}\` argument.`, table] };
  const head = `**${spec.name}** (${typeWords(spec)}${spec.choices ? `: ${spec.choices.map(String).join(', ')}` : ''}${spec.required ? ', required' : ''})`;
  return { paragraphs: [head, argHelp(spec), table] };
}

export interface ArgCompletion {
  /** The argument's dest, the key to insert. */
  label: string;
  detail: string;
  documentation: string;
}

/**
 * At a key position directly inside `args`: the script's own arguments that the built-in table lacks (the schema
 * offers the others) and that the config does not have yet.
 */
export function scriptOnlyCompletions(text: string, offset: number, choice: ArgTableChoice): ArgCompletion[] {
  if (choice.source !== 'script') return [];
  const loc = getLocation(text, offset);
  if (!loc.isAtPropertyKey || loc.path[0] !== 'args' || loc.path.length !== 2) return [];
  const args = parseConfigText(text).config?.args ?? {};
  const builtin = SCRIPTS[choice.table.kind].byDest;
  return choice.table.args
    .filter((s) => !builtin.has(s.dest) && !Object.prototype.hasOwnProperty.call(args, s.dest))
    .map((s) => ({ label: s.dest, detail: `${s.name}: from the script's own --help`, documentation: argHelp(s) }));
}
