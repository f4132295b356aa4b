// Text the operating system cannot take: a NUL character in anything that becomes a program argument, environment
// variable or path of the launch (spawn throws on it), and environment variable names that cannot exist.
// buildLaunchPlan refuses the same; these diagnostics say so where the value is written, before anything starts.
import { LAUNCH_KEYS, pathToPointer, rangeOf, type ParsedConfig } from '../config/config';
import { isScriptKind, SCRIPTS } from '../scripts/scriptTables';
import type { DiagnosticSink, Fix } from './types';

const NUL = '\u0000';

/** A key as a message can show it (a NUL spelt as its JSON escape). */
const shown = (k: string): string => k.split(NUL).join('\\u0000');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Offset and length, within a JSON string token, of its first NUL: the escape `\u0000` or a raw NUL byte.
 * Backslash escapes are skipped whole, so `\\u0000` (a backslash, then "u0000") is not taken for one.
 */
export function nulInToken(token: string): { at: number; length: number } | undefined {
  for (let i = 0; i < token.length; i++) {
    const c = token[i];
    if (c === NUL) return { at: i, length: 1 };
    if (c !== '\\') continue;
    if (/^u0000$/i.test(token.slice(i + 1, i + 6))) return { at: i, length: 6 };
    i++;
  }
  return undefined;
}

export function checkLaunchText(parsed: ParsedConfig, sink: DiagnosticSink): void {
  const raw = parsed.raw;
  if (!isObject(raw)) return;
  const report = (path: Array<string>, what: string, onKey: boolean, fix?: Fix) => {
    const ptr = pathToPointer(path);
    const range = rangeOf(parsed, ptr, onKey);
    const hit = nulInToken(parsed.text.slice(range.offset, range.offset + range.length));
    const offset = hit ? range.offset + hit.at : range.offset;
    sink.addAt(
      'error',
      'nul-character',
      ptr,
      `${what} contains a NUL character (\\u0000): no program argument, environment variable or path can carry one, so the run could not start. Remove it.`,
      offset,
      hit ? hit.length : range.length,
      fix,
    );
  };
  const value = (path: string[], v: unknown, what: string) => {
    if (typeof v === 'string' && v.includes(NUL)) {
      report(path, what, false, { title: 'Remove the NUL character', edits: [{ op: 'set', path: pathToPointer(path), value: v.split(NUL).join('') }] });
    }
  };
  const name = (parent: string[], k: string, what: string, siblings: Record<string, unknown>) => {
    if (!k.includes(NUL)) return;
    const clean = k.split(NUL).join('');
    const fix: Fix | undefined =
      clean !== '' && !(clean in siblings)
        ? { title: 'Remove the NUL character', edits: [{ op: 'rename', path: pathToPointer([...parent, k]), newKey: clean }] }
        : undefined;
    report([...parent, k], what, true, fix);
  };

  const script = isScriptKind(raw.script) ? SCRIPTS[raw.script] : undefined;
  if (script && isObject(raw.args)) {
    // Only what is passed: unknown keys are reported (and left out) by the argument checks.
    for (const [k, v] of Object.entries(raw.args)) if (script.byDest.has(k)) value(['args', k], v, `"args.${k}"`);
  }
  if (!isObject(raw.launch)) return;
  const launch = raw.launch;
  for (const k of LAUNCH_KEYS) if (k !== 'env' && k !== 'accelerateArgs' && k !== 'slurm') value(['launch', k], launch[k], `"launch.${k}"`);
  if (isObject(launch.accelerateArgs)) {
    const acc = launch.accelerateArgs;
    for (const [k, v] of Object.entries(acc)) {
      name(['launch', 'accelerateArgs'], k, 'The name of an accelerate option', acc);
      value(['launch', 'accelerateArgs', k], v, `accelerate option "${shown(k)}"`);
    }
  }
  if (isObject(launch.env)) {
    const env = launch.env;
    for (const [k, v] of Object.entries(env)) {
      name(['launch', 'env'], k, 'The name of an environment variable', env);
      value(['launch', 'env', k], v, `Environment variable "${shown(k)}"`);
      if (k === '' || k.includes('=')) {
        sink.add(
          'error',
          'env-name',
          pathToPointer(['launch', 'env', k]),
          `Environment variable name ${JSON.stringify(k)} cannot be used: a name must not be empty or contain "=" (the environment stores NAME=value, split at the first "=").`,
          undefined,
          true,
        );
      }
    }
  }
}
