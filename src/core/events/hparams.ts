// `hparams.yml`, which accelerate's TensorBoard tracker writes with yaml.dump(vars(args)) into `<run dir>/<time.time()>/`.
// It is the easiest machine-readable source for the effective max_train_steps etc. A small reader for the flat
// `key: value` documents yaml.dump produces (sorted keys, indentless block lists, folded long scalars), no dependency.
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { findFilesUnder } from '../util/fsWalk';

export type HparamScalar = string | number | boolean | null;
export type HparamValue = HparamScalar | HparamScalar[];

export interface HparamsParse {
  values: Record<string, HparamValue>;
  /** Lines that could not be understood (1-based); the rest is still returned. */
  errors: { line: number; message: string }[];
}

export function parseHparamsYaml(text: string): HparamsParse {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const values: Record<string, HparamValue> = {};
  const errors: HparamsParse['errors'] = [];
  let i = 0;
  // Lines belonging to the current value: indented, or `- ` list items right under a key.
  const isContinuation = (l: string) => l.length > 0 && (l[0] === ' ' || l[0] === '\t');
  while (i < lines.length) {
    const line = lines[i]!;
    const lineNo = i + 1;
    i++;
    if (line.trim() === '' || line.startsWith('#') || line === '---' || line === '...') continue;
    if (isContinuation(line)) {
      errors.push({ line: lineNo, message: 'unexpected indented line' });
      continue;
    }
    const m = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^:#'"][^:]*?):(?:\s+(.*))?$/.exec(line);
    if (!m) {
      errors.push({ line: lineNo, message: 'expected "key: value"' });
      continue;
    }
    const key = unquoteKey(m[1]!);
    let rest = m[2] ?? '';
    const more: string[] = [];
    // Empty lines belong to the value when an indented line follows them (folded multi-line strings).
    const continues = (j: number): boolean => {
      while (j < lines.length && lines[j] === '') j++;
      return j < lines.length && isContinuation(lines[j]!);
    };
    while (i < lines.length && continues(i)) more.push(lines[i++]!);
    if (rest === '' && more.length === 0 && i < lines.length && /^- |^-$/.test(lines[i]!)) {
      const items: HparamScalar[] = [];
      while (i < lines.length && /^- |^-$/.test(lines[i]!)) {
        const itemNo = i + 1;
        let item = lines[i++]!.slice(2);
        const cont: string[] = [];
        while (i < lines.length && isContinuation(lines[i]!)) cont.push(lines[i++]!);
        item = [item, ...cont].join('\n');
        const v = parseScalar(item);
        if ('error' in v) errors.push({ line: itemNo, message: `${key}: ${v.error}` });
        else items.push(v.value);
      }
      values[key] = items;
      continue;
    }
    if (rest === '' && /^\s+[^'"\s-][^:]*:(\s|$)/.test(more[0] ?? '')) {
      errors.push({ line: lineNo, message: `${key}: nested mappings are not supported` });
      continue;
    }
    if (more.length) rest = [rest, ...more].join('\n');
    if (rest.trim() === '') {
      values[key] = null;
      continue;
    }
    const v = parseScalar(rest);
    if ('error' in v) errors.push({ line: lineNo, message: `${key}: ${v.error}` });
    else values[key] = v.value;
  }
  return { values, errors };
}

function unquoteKey(k: string): string {
  const v = k.startsWith("'") || k.startsWith('"') ? parseScalar(k) : undefined;
  return v && 'value' in v ? String(v.value) : k.trim();
}

/** YAML folding: single line breaks become spaces, each empty line a newline; continuation indentation is dropped. */
function fold(text: string): string {
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  // Whitespace around a line break is part of the break; the text's own first and last spaces are kept.
  const parts = lines.map((l, idx) => (idx === 0 ? l.trimEnd() : idx === lines.length - 1 ? l.trimStart() : l.trim()));
  let out = parts[0]!;
  let pendingNewlines = 0;
  for (const p of parts.slice(1)) {
    if (p === '') {
      pendingNewlines++;
      continue;
    }
    out += pendingNewlines ? '\n'.repeat(pendingNewlines) : ' ';
    out += p;
    pendingNewlines = 0;
  }
  return out;
}

function parseScalar(raw: string): { value: HparamScalar } | { error: string } {
  const text = raw.trim();
  if (text.startsWith("'")) {
    const end = closingSingle(text);
    if (end < 0) return { error: 'unterminated single-quoted string' };
    if (
      text.slice(end + 1).trim() &&
      !text
        .slice(end + 1)
        .trim()
        .startsWith('#')
    )
      return { error: 'text after a quoted string' };
    return { value: fold(text.slice(1, end)).replace(/''/g, "'") };
  }
  if (text.startsWith('"')) return parseDoubleQuoted(text);
  const plain = fold(text.replace(/\s+#.*$/s, ''));
  return { value: resolvePlain(plain) };
}

function closingSingle(t: string): number {
  for (let i = 1; i < t.length; i++) {
    if (t[i] === "'") {
      if (t[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  '/': '/',
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  v: '\v',
  ' ': ' ',
  N: '\x85',
  _: '\xa0',
};

function parseDoubleQuoted(t: string): { value: string } | { error: string } {
  // Escaped line breaks (`\` at end of line) join without a space; otherwise the text folds like any scalar.
  let body = '';
  let i = 1;
  for (; i < t.length; i++) {
    const c = t[i]!;
    if (c === '"') break;
    if (c === '\\') {
      const n = t[i + 1];
      if (n === undefined) return { error: 'unterminated double-quoted string' };
      if (n === '\n') {
        i++;
        while (t[i + 1] === ' ' || t[i + 1] === '\t') i++;
        continue;
      }
      const hex = n === 'x' ? 2 : n === 'u' ? 4 : n === 'U' ? 8 : 0;
      if (hex) {
        const code = parseInt(t.slice(i + 2, i + 2 + hex), 16);
        if (Number.isNaN(code)) return { error: `bad \\${n} escape` };
        body += String.fromCodePoint(code);
        i += 1 + hex;
        continue;
      }
      const e = ESCAPES[n];
      if (e === undefined) return { error: `unknown escape \\${n}` };
      body += '\u0000ESC' + e.charCodeAt(0).toString(16) + '\u0000';
      i++;
      continue;
    }
    body += c;
  }
  if (i >= t.length) return { error: 'unterminated double-quoted string' };
  // Fold first, then restore escapes, so an escaped \n is not mistaken for a line break.
  return { value: fold(body).replace(/\u0000ESC([0-9a-f]+)\u0000/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) };
}

/** PyYAML's (YAML 1.1) implicit types for plain scalars. */
function resolvePlain(s: string): HparamScalar {
  if (s === '' || s === '~' || /^(null|Null|NULL)$/.test(s)) return null;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(s)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[-+]?0x[0-9a-fA-F_]+$/.test(s)) return (s.startsWith('-') ? -1 : 1) * parseInt(s.replace(/[-+_]/g, ''), 16);
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$/.test(s) && /[0-9]/.test(s)) return Number(s.replace(/_/g, ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
  return s;
}

export interface HparamsFile {
  path: string;
  /** The `<time.time()>` name of the folder it is in, when it parses as a number; else undefined. */
  timestamp?: number;
  values: Record<string, HparamValue>;
  errors: HparamsParse['errors'];
}

/** Every `hparams.yml` under `runDir` (one level of timestamp subdirs, plus runDir itself), oldest first. */
export async function findHparamsFiles(runDir: string): Promise<string[]> {
  const out = await findFilesUnder(runDir, (name) => name === 'hparams.yml', 2);
  const ts = (p: string) => Number(basename(dirname(p))) || 0;
  return out.sort((a, b) => ts(a) - ts(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The newest `hparams.yml` under `runDir` (the latest process start), parsed; undefined when there is none. */
export async function readLatestHparams(runDir: string): Promise<HparamsFile | undefined> {
  const files = await findHparamsFiles(runDir);
  for (const path of files.reverse()) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue; // removed between listing and reading
    }
    const { values, errors } = parseHparamsYaml(text);
    const t = Number(basename(dirname(path)));
    return Number.isFinite(t) && basename(dirname(path)) !== '' ? { path, timestamp: t, values, errors } : { path, values, errors };
  }
  return undefined;
}
