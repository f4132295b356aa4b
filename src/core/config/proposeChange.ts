// A change of several arguments of a config, proposed by someone other than the user (the chat's
// `sdxl_proposeConfigChange`): each value checked against the config's script's argument table, then turned into ONE
// text edit that keeps comments and formatting (editConfig's setArgument, one argument after another), so applying
// it is one undo step.
import { parseConfigText } from './config';
import { formatArgValue, parseArgumentInput, setArgument } from './editConfig';
import { SCRIPTS, type ArgValue } from '../scripts/scriptTables';

export interface ArgChange {
  arg: string;
  /** undefined: not set in the config (the script's default applies). */
  old: ArgValue | undefined;
  /** undefined: removed (back to the script's default). */
  new: ArgValue | undefined;
}

export type ProposedChange =
  | {
      ok: true;
      changes: ArgChange[];
      /** The whole text after the change. */
      text: string;
      /** The one replacement that turns the old text into `text` (offsets in the old text). */
      edit: { offset: number; length: number; content: string };
    }
  | { ok: false; errors: string[] };

/** What a proposal may set an argument to: a value, or null (or "") to remove it. */
export type ProposedValue = string | number | boolean | null;

/**
 * Checks `changes` ({arg: value}) against the script of the config `text` and computes the edit. Every problem is
 * reported (an unknown argument, a value of the wrong type or outside the choices), each naming its argument; nothing
 * is changed unless all of them are good.
 */
export function proposeArgChanges(text: string, changes: Readonly<Record<string, unknown>>, where = 'the config'): ProposedChange {
  const parsed = parseConfigText(text);
  if (!parsed.config) return { ok: false, errors: [`${where}: ${parsed.problems[0]?.message ?? 'not a valid training config'}`] };
  const info = SCRIPTS[parsed.config.script];
  const current = parsed.config.args;
  const errors: string[] = [];
  const planned: Array<ArgChange & { asTyped?: string }> = [];
  const names = Object.keys(changes);
  if (names.length === 0) errors.push('No arguments to change were given.');
  for (const arg of names) {
    const spec = info.byDest.get(arg);
    if (!spec) {
      errors.push(`${arg}: ${info.fileName} has no argument --${arg} (in ${where}, script "${parsed.config.script}").`);
      continue;
    }
    const value = changes[arg];
    let input: string;
    if (value === null) input = '';
    else if (typeof value === 'string') input = value;
    else if (typeof value === 'number' && Number.isFinite(value) && spec.type !== 'bool' && spec.type !== 'bool-flag') input = String(value);
    else if (typeof value === 'boolean' && (spec.type === 'bool' || spec.type === 'bool-flag')) input = String(value);
    else {
      errors.push(`${arg}: ${JSON.stringify(value) ?? String(value)} is not a value --${arg} takes (${spec.type}).`);
      continue;
    }
    const read = parseArgumentInput(spec, input);
    if (!read.ok) {
      errors.push(`${arg}: ${read.error}`);
      continue;
    }
    const old = Object.prototype.hasOwnProperty.call(current, arg) ? current[arg] : undefined;
    if (formatArgValue(old) === formatArgValue(read.value) && (old === undefined) === (read.value === undefined)) continue;
    planned.push({ arg, old, new: read.value, ...(read.asTyped !== undefined ? { asTyped: read.asTyped } : {}) });
  }
  if (errors.length > 0) return { ok: false, errors };
  if (planned.length === 0)
    return {
      ok: false,
      errors: [`Nothing would change: ${where} already has ${names.map((n) => `${n} = ${formatArgValue(current[n]) || 'unset'}`).join(', ')}.`],
    };
  let next = text;
  for (const c of planned) next = setArgument(next, c.arg, c.new, c.asTyped);
  return { ok: true, changes: planned.map(({ arg, old, new: value }) => ({ arg, old, new: value })), text: next, edit: oneEdit(text, next) };
}

/** The single replacement from `a` to `b`: their common start and end kept, the middle replaced. */
function oneEdit(a: string, b: string): { offset: number; length: number; content: string } {
  let start = 0;
  const max = Math.min(a.length, b.length);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && a.charCodeAt(a.length - 1 - end) === b.charCodeAt(b.length - 1 - end)) end++;
  return { offset: start, length: a.length - start - end, content: b.slice(start, b.length - end) };
}
