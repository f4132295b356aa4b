// Start asks before running a config with errors: what Problems shows as errors makes the run fail, or train something
// other than the file says (a switch given as "true" is not passed). The CLI's `run start` refuses such configs.
import type { Diagnostic } from './types';

const MAX_FIRST = 200;

/** The question to ask before starting `fileName`, or undefined when its diagnostics hold no error. */
export function startWithErrorsQuestion(fileName: string, diagnostics: readonly Diagnostic[]): string | undefined {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  if (!first) return undefined;
  const flat = first.message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  const text = flat.length > MAX_FIRST ? `${flat.slice(0, MAX_FIRST - 1)}…` : flat;
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  return `${fileName} has ${count} (first: line ${first.line}: ${text}). Start anyway?`;
}
