// request.json and generation.json of a job's output folder, read leniently and checked field by field: a file written
// by hand, cut short or by another version gives an error naming the file and the field, never a throw.
import { join } from 'node:path';
import { safeRelative } from './lines';
import { MAX_IMAGES } from './argv';
import {
  GENERATION_REQUEST_FILE,
  GENERATION_RESULT_FILE,
  type GeneratedImage,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSettings,
  type GenerationSource,
} from './types';
import { readRegularFile, UnreadableFileError } from '../util/regularFile';

export type Read<T> = { value: T } | { missing: true } | { error: string };

const MAX_FILE = 16 << 20;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const KINDS = new Set(['base', 'lora', 'unet', 'pipeline']);

class FieldError extends Error {}

function need<T>(ok: boolean, where: string, what: string, v: T): T {
  if (!ok) throw new FieldError(`${where} ${what}`);
  return v;
}
function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  return need(typeof v === 'string', `${where}.${key}`, 'must be a string', v as string);
}
function optStr(o: Obj, key: string, where: string): string | undefined {
  return o[key] === undefined || o[key] === null ? undefined : str(o, key, where);
}
function num(o: Obj, key: string, where: string, int = false): number {
  const v = o[key];
  return need(
    typeof v === 'number' && Number.isFinite(v) && (!int || Number.isInteger(v)),
    `${where}.${key}`,
    `must be a${int ? ' whole' : ''} number`,
    v as number,
  );
}
function arr(o: Obj, key: string, where: string, max: number): unknown[] {
  const v = o[key];
  need(Array.isArray(v), `${where}.${key}`, 'must be a list', v);
  return need((v as unknown[]).length <= max, `${where}.${key}`, `has more than ${max} entries`, v as unknown[]);
}

function source(v: unknown, where: string): GenerationSource {
  need(isObj(v), where, 'must be an object', v);
  const o = v as Obj;
  const kind = str(o, 'kind', where);
  need(KINDS.has(kind), `${where}.kind`, `must be one of base, lora, unet, pipeline (got '${kind}')`, kind);
  const path = optStr(o, 'path', where);
  const step = o['step'] === undefined ? undefined : num(o, 'step', where, true);
  return {
    label: str(o, 'label', where),
    kind: kind as GenerationSource['kind'],
    ...(path !== undefined ? { path } : {}),
    ...(step !== undefined ? { step } : {}),
  };
}

export function settingsOf(v: unknown, where: string): GenerationSettings {
  need(isObj(v), where, 'must be an object', v);
  const o = v as Obj;
  const opt = (key: 'vae' | 'revision' | 'variant' | 'negativePrompt') => {
    const x = optStr(o, key, where);
    return x !== undefined ? { [key]: x } : {};
  };
  const device = optStr(o, 'device', where);
  need(device === undefined || ['auto', 'cuda', 'cpu'].includes(device), `${where}.device`, 'must be auto, cuda or cpu', device);
  return {
    baseModel: str(o, 'baseModel', where),
    ...opt('vae'),
    ...opt('revision'),
    ...opt('variant'),
    sources: arr(o, 'sources', where, 200).map((s, i) => source(s, `${where}.sources[${i}]`)),
    prompts: arr(o, 'prompts', where, MAX_IMAGES).map((p, i) => need(typeof p === 'string', `${where}.prompts[${i}]`, 'must be a string', p as string)),
    ...opt('negativePrompt'),
    steps: num(o, 'steps', where, true),
    guidance: num(o, 'guidance', where),
    seed: num(o, 'seed', where, true),
    numImages: num(o, 'numImages', where, true),
    width: num(o, 'width', where, true),
    height: num(o, 'height', where, true),
    ...(device ? { device: device as GenerationSettings['device'] & string } : {}),
  };
}

function image(v: unknown, where: string): GeneratedImage {
  need(isObj(v), where, 'must be an object', v);
  const o = v as Obj;
  const file = str(o, 'file', where);
  need(safeRelative(file), `${where}.file`, `'${file.slice(0, 80)}' is not a .png path inside the job's folder`, file);
  const seconds = o['seconds'] === undefined ? undefined : num(o, 'seconds', where);
  return {
    source: str(o, 'source', where),
    promptIndex: num(o, 'promptIndex', where, true),
    seed: num(o, 'seed', where, true),
    file,
    ...(seconds !== undefined ? { seconds } : {}),
  };
}

async function readObject(path: string): Promise<Read<Obj>> {
  let text: string;
  try {
    text = await readRegularFile(path, MAX_FILE);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ETOOBIG') return { error: `${path} is larger than ${MAX_FILE >> 20} MB` };
    return code === 'ENOENT' ? { missing: true } : { error: e instanceof UnreadableFileError ? e.message : `cannot read ${path}: ${(e as Error).message}` };
  }
  try {
    const v: unknown = JSON.parse(text);
    return isObj(v) ? { value: v } : { error: `${path}: not a JSON object` };
  } catch (e) {
    return { error: `${path}: ${(e as Error).message}` };
  }
}

function checked<T>(path: string, read: Read<Obj>, parse: (o: Obj) => T): Read<T> {
  if (!('value' in read)) return read;
  try {
    return { value: parse(read.value) };
  } catch (e) {
    if (e instanceof FieldError) return { error: `${path}: ${e.message}` };
    throw e;
  }
}

export async function readGenerationRequest(outputDir: string): Promise<Read<GenerationRequest>> {
  const path = join(outputDir, GENERATION_REQUEST_FILE);
  return checked(path, await readObject(path), (o) => {
    const runId = optStr(o, 'runId', 'request');
    const runName = optStr(o, 'runName', 'request');
    return {
      version: 1,
      ...(runId ? { runId } : {}),
      ...(runName ? { runName } : {}),
      settings: settingsOf(o['settings'], 'settings'),
      createdAt: optStr(o, 'createdAt', 'request') ?? '',
    };
  });
}

export async function readGenerationResult(outputDir: string): Promise<Read<GenerationResult>> {
  const path = join(outputDir, GENERATION_RESULT_FILE);
  return checked(path, await readObject(path), (o) => {
    const device = optStr(o, 'device', 'result');
    const dtype = optStr(o, 'dtype', 'result');
    return {
      version: 1,
      settings: settingsOf(o['settings'], 'settings'),
      ...(device ? { device } : {}),
      ...(dtype ? { dtype } : {}),
      images: arr(o, 'images', 'result', MAX_IMAGES).map((img, i) => image(img, `images[${i}]`)),
      complete: o['complete'] === true,
    };
  });
}
