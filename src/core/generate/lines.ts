// The progress lines of python/sdxl_generate.py (`SDXL_GENERATE {json}`, docs/generation.md#progress-lines) → typed
// GenerationLine. Everything else in console.log (diffusers' warnings, tqdm bars, a traceback) is not ours: undefined.
// A line that carries our prefix but not a valid object is an error naming what is wrong, never a throw.
import { GENERATE_LINE_PREFIX, type GenerationLine } from './types';

/** Longer lines are not progress lines the script prints (a prompt is at most a few KB). */
const MAX_LINE = 256 * 1024;

type Obj = Record<string, unknown>;

const isInt = (v: unknown, min = 0): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Field checks per event: name → test; the first failing one is named in the error. */
const FIELDS: Record<GenerationLine['event'], Record<string, (v: unknown) => boolean>> = {
  start: { total: (v) => isInt(v), sources: (v) => Array.isArray(v) && v.every(isStr), prompts: (v) => isInt(v), numImages: (v) => isInt(v) },
  loaded: { source: isStr, device: isStr, dtype: isStr, seconds: isNum },
  step: { source: isStr, promptIndex: (v) => isInt(v), seed: (v) => isInt(v), step: (v) => isInt(v), steps: (v) => isInt(v, 1) },
  image: {
    source: isStr,
    promptIndex: (v) => isInt(v),
    seed: (v) => isInt(v),
    file: (v) => isStr(v) && safeRelative(v),
    seconds: isNum,
    done: (v) => isInt(v, 1),
    total: (v) => isInt(v, 1),
  },
  done: { images: (v) => isInt(v), seconds: isNum },
  error: { message: isStr },
};

/** An image path the script reports: relative, inside the job's folder, a PNG. */
export function safeRelative(file: string): boolean {
  if (!file || file.includes('\u0000') || file.startsWith('/') || file.includes('\\') || /^[A-Za-z]:/.test(file)) return false;
  return file.split('/').every((part) => part !== '' && part !== '.' && part !== '..') && /\.png$/i.test(file);
}

export function isGenerationLine(text: string): boolean {
  return text.startsWith(GENERATE_LINE_PREFIX);
}

/**
 * One console line (without its newline; a trailing `\r` is ignored): the progress line it is, `{error}` when it has
 * our prefix but is not a valid line, undefined when it is someone else's output.
 */
export function parseGenerationLine(text: string): GenerationLine | { error: string } | undefined {
  if (!isGenerationLine(text)) return undefined;
  if (text.length > MAX_LINE) return { error: `progress line of ${text.length} characters is longer than ${MAX_LINE}` };
  const body = text.slice(GENERATE_LINE_PREFIX.length).replace(/\r$/, '');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    return { error: `progress line is not JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'progress line is not a JSON object' };
  const obj = value as Obj;
  const event = obj['event'];
  if (typeof event !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, event)) {
    return { error: `progress line has an unknown event ${JSON.stringify(event)}` };
  }
  const fields = FIELDS[event as GenerationLine['event']];
  for (const [name, ok] of Object.entries(fields)) {
    if (!Object.prototype.hasOwnProperty.call(obj, name) || !ok(obj[name])) {
      return { error: `'${event}' progress line: field '${name}' is ${name in obj ? `not valid (${JSON.stringify(obj[name])?.slice(0, 80)})` : 'missing'}` };
    }
  }
  const line: Obj = { event };
  for (const name of Object.keys(fields)) line[name] = obj[name];
  if (event === 'error' && isStr(obj['source'])) line['source'] = obj['source'];
  return line as GenerationLine;
}
