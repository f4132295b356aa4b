// `generate`'s command line: the options, and the settings they make from a run's defaults (a usage error names
// what is wrong before anything starts).
import { settingsProblems } from '../core/generate/argv';
import { defaultSettings, generationSources } from '../core/generate/sources';
import type { GenerationSettings, GenerationSource } from '../core/generate/types';
import { parseRepeatedFlags, UsageError } from './io';
import type { GenerateTarget } from './generateTarget';

export const GENERATE_USAGE =
  'usage: generate RUN_ID|OUTPUT_DIR [--source base,checkpoint-4,final] [--prompt P]... [--steps N] [--seed N] [--num-images N] [--size WxH] [--python PATH] [--workspace DIR] [--json]';

const REPEATED = new Set(['prompt']);
const VALUED = new Set(['source', 'prompt', 'steps', 'seed', 'num-images', 'size', 'python', 'workspace']);

export interface GenerateOptions {
  target: string;
  sources?: string[];
  prompts: string[];
  steps?: number;
  seed?: number;
  numImages?: number;
  size?: { width: number; height: number };
  python?: string;
  workspace?: string;
  json: boolean;
}

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number (got '${text}')`);
  return Number(text);
}

/** The command line → options; repeated --prompt are kept in order (parseFlags keeps the last of a flag only). */
export function parseGenerateArgs(args: string[]): GenerateOptions {
  const { values, positional, json } = parseRepeatedFlags(args, VALUED, REPEATED, GENERATE_USAGE);
  if (positional.length !== 1) throw new UsageError(GENERATE_USAGE);
  const one = (name: string) => values.get(name)?.[0];
  const opts: GenerateOptions = { target: positional[0]!, prompts: values.get('prompt') ?? [], json };
  const sources = one('source');
  if (sources !== undefined)
    opts.sources = sources
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  for (const [flag, key] of [
    ['steps', 'steps'],
    ['seed', 'seed'],
    ['num-images', 'numImages'],
  ] as const) {
    const v = one(flag);
    if (v !== undefined) opts[key] = wholeNumber(flag, v);
  }
  const size = one('size');
  if (size !== undefined) {
    const m = /^(\d+)(?:[xX](\d+))?$/.exec(size);
    if (!m) throw new UsageError(`--size must be WIDTHxHEIGHT or one number for a square (got '${size}')`);
    opts.size = { width: Number(m[1]), height: Number(m[2] ?? m[1]) };
  }
  const python = one('python');
  if (python !== undefined) opts.python = python;
  const ws = one('workspace');
  if (ws !== undefined) opts.workspace = ws;
  return opts;
}

/** The run's defaults with the command line's choices over them; a usage error names what is wrong. */
export function generateSettings(target: GenerateTarget, opts: GenerateOptions): GenerationSettings {
  const offered = generationSources(target);
  let sources: GenerationSource[] = offered;
  if (opts.sources) {
    const byLabel = new Map(offered.map((s) => [s.label, s]));
    sources = opts.sources.map((label) => {
      const s = byLabel.get(label);
      if (!s) throw new UsageError(`--source ${label}: ${target.runName} offers ${offered.map((o) => o.label).join(', ')}`);
      return s;
    });
  }
  const settings = defaultSettings({ script: target.script, args: target.args, sources, cwd: target.cwd });
  if (opts.prompts.length) settings.prompts = opts.prompts;
  if (opts.steps !== undefined) settings.steps = opts.steps;
  if (opts.seed !== undefined) settings.seed = opts.seed;
  if (opts.numImages !== undefined) settings.numImages = opts.numImages;
  if (opts.size) Object.assign(settings, opts.size);
  const problems = settingsProblems(settings);
  if (!settings.prompts.length) problems.push(`${target.runName} has no validation_prompt or instance_prompt to use: give one with --prompt`);
  if (problems.length) throw new UsageError(`cannot generate with ${target.runName}: ${[...new Set(problems)].join('; ')}`);
  return settings;
}
