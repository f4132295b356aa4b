// Text edits to a config that keep its comments and formatting (used by "Configure Argument…" and quick fixes).
import { modify, applyEdits, type Edit } from 'jsonc-parser';
import { detectFormatting } from './fixes';
import type { ArgSpec, ArgValue } from './scripts';

/** Edits that set `args.<dest>` to `value`, or remove it when `value` is undefined. */
export function setArgumentEdits(text: string, dest: string, value: ArgValue | undefined): Edit[] {
  return modify(text, ['args', dest], value, { formattingOptions: detectFormatting(text) });
}

export function setArgument(text: string, dest: string, value: ArgValue | undefined): string {
  return applyEdits(text, setArgumentEdits(text, dest, value));
}

export type ParsedInput = { ok: true; value: ArgValue | undefined } | { ok: false; error: string };

/**
 * Reads what a user typed for an argument into the value the config stores.
 * Empty input means "remove the argument" (back to the script's default).
 */
export function parseArgumentInput(spec: ArgSpec, input: string): ParsedInput {
  const s = input.trim();
  if (s === '') return { ok: true, value: undefined };
  switch (spec.type) {
    case 'int': {
      if (!/^[+-]?\d+$/.test(s)) return { ok: false, error: `${spec.dest} takes a whole number.` };
      const n = Number(s);
      if (!Number.isSafeInteger(n)) return { ok: false, error: `${s} is too large for ${spec.dest}.` };
      return checkChoices(spec, n);
    }
    case 'float': {
      const n = Number(s);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || !Number.isFinite(n)) {
        return { ok: false, error: `${spec.dest} takes a number, e.g. 1e-4 or 0.5.` };
      }
      return checkChoices(spec, n);
    }
    case 'bool-flag':
    case 'bool': {
      if (/^(true|on|yes|1)$/i.test(s)) return { ok: true, value: true };
      if (/^(false|off|no|0)$/i.test(s)) return { ok: true, value: false };
      return { ok: false, error: `${spec.dest} is true or false.` };
    }
    default:
      return checkChoices(spec, input);
  }
}

function checkChoices(spec: ArgSpec, value: string | number): ParsedInput {
  if (spec.choices && !spec.choices.some((c) => c === value)) {
    return { ok: false, error: `${spec.dest} must be one of: ${spec.choices.join(', ')}.` };
  }
  return { ok: true, value };
}

export function formatArgValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
