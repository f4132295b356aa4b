// Text edits to a config that keep its comments and formatting (used by "Configure Argument…" and quick fixes).
import { modify, applyEdits, type Edit } from 'jsonc-parser';
import { detectFormatting } from './fixes';
import { argHelp, type ArgSpec, type ArgValue } from '../scripts/scriptTables';

// Stands in for a number token in `modify`, which writes numbers through JSON.stringify (5e-5 → 0.00005).
const NUMBER_PLACEHOLDER = '\u0000sdxl-number\u0000';

/** A number token exactly as the JSON grammar allows it (so `5e-5` yes; `.5`, `+5`, `05` no). */
export function isJsonNumberText(text: string): boolean {
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text);
}

/**
 * Edits that set `args.<dest>` to `value`, or remove it when `value` is undefined. A number is written as `asTyped`
 * when that is the same number in valid JSON, so the file keeps the user's `5e-5` rather than `0.00005`.
 */
export function setArgumentEdits(text: string, dest: string, value: ArgValue | undefined, asTyped?: string): Edit[] {
  const options = { formattingOptions: detectFormatting(text) };
  if (typeof value !== 'number' || asTyped === undefined || !isJsonNumberText(asTyped) || Number(asTyped) !== value) {
    return modify(text, ['args', dest], value, options);
  }
  // jsonc-parser returns one edit holding the whole formatted value; the placeholder's string token is kept whole.
  const placeholder = JSON.stringify(NUMBER_PLACEHOLDER);
  return modify(text, ['args', dest], NUMBER_PLACEHOLDER, options).map((e) => ({ ...e, content: e.content.replace(placeholder, asTyped) }));
}

export function setArgument(text: string, dest: string, value: ArgValue | undefined, asTyped?: string): string {
  return applyEdits(text, setArgumentEdits(text, dest, value, asTyped));
}

/** `asTyped`: a number's text as the user typed it, when it is valid JSON and differs from how JSON.stringify writes it. */
export type ParsedInput = { ok: true; value: ArgValue | undefined; asTyped?: string } | { ok: false; error: string };

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
      return withTyped(checkChoices(spec, n), s);
    }
    case 'float': {
      const n = Number(s);
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || !Number.isFinite(n)) {
        return { ok: false, error: `${spec.dest} takes a number, e.g. 1e-4 or 0.5.` };
      }
      return withTyped(checkChoices(spec, n), s);
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

function withTyped(r: ParsedInput, typed: string): ParsedInput {
  if (!r.ok || typeof r.value !== 'number' || !isJsonNumberText(typed) || typed === JSON.stringify(r.value)) return r;
  return { ...r, asTyped: typed };
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

const INPUT_HINT: Record<ArgSpec['type'], string> = {
  int: 'a whole number',
  float: 'a number, e.g. 1e-4',
  str: 'a value',
  bool: 'true or false',
  'bool-flag': 'true or false',
};

/** The prompt under the input box of "Configure Argument…": what the argument does, what to type, how to unset it. */
export function argumentPrompt(spec: ArgSpec): string {
  const help = argHelp(spec).replace(/\s+/g, ' ').trim();
  const sentence = /[.!?]$/.test(help) ? help : `${help}.`;
  const fallback = spec.default === null || spec.default === false ? 'not passed' : formatArgValue(spec.default);
  return `${sentence} Enter ${INPUT_HINT[spec.type]}, or leave empty to remove it (default: ${fallback}).`;
}
