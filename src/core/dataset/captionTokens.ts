// A caption's length in tokens as the configured model counts it. SDXL has two text encoders, each with its own
// CLIP BPE tokenizer (`tokenizer/`, `tokenizer_2/`); the scripts pad and cut each at 77 positions, so a caption is too
// long when either count is. The tokenizer files come from where the script will load the model: a local folder, or
// the Hugging Face cache's snapshot of the Hub id (nothing is downloaded for this).
import { join } from 'node:path';
import { loadClipTokenizer, type ClipTokenizer } from '../clip/tokenizer';
import type { TokenCounter } from '../clip/types';
import type { SdxlConfig } from '../config/config';
import { cachedSnapshotDir, hubCacheDir } from '../hub/cachePaths';
import { classifyRef, runPathOf } from '../hub/hubRefs';
import { isDir } from './sources';

export const TOKENIZER_FOLDERS = ['tokenizer', 'tokenizer_2'] as const;

export type CaptionTokenizer = { count: TokenCounter; dirs: string[] } | { reason: string };

/** The model folder the script would load (`pretrained_model_name_or_path`), or why it is not on this machine. */
export async function modelFolderOfConfig(
  config: SdxlConfig,
  configPath: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ dir: string } | { reason: string }> {
  const args = (config.args ?? {}) as Record<string, unknown>;
  const model = args.pretrained_model_name_or_path;
  if (typeof model !== 'string' || model.trim() === '') return { reason: 'args.pretrained_model_name_or_path is not set' };
  const revision = typeof args.revision === 'string' && args.revision.trim() !== '' ? args.revision : 'main';
  return modelFolderOf(model, runPathOf(config, configPath, model), revision, env);
}

/**
 * `model` (a folder or a Hub id, told apart as diffusers does) as a folder on this machine: the folder itself, or
 * the Hugging Face cache's snapshot of the id at `revision`. `abs` is the value resolved as a path.
 */
export async function modelFolderOf(
  model: string,
  abs: string | undefined,
  revision: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ dir: string } | { reason: string }> {
  const ref = classifyRef(model, isDir(abs));
  if (ref.kind === 'path') return abs !== undefined && isDir(abs) ? { dir: abs } : { reason: `the model folder ${abs ?? model} does not exist` };
  const dir = await cachedSnapshotDir(hubCacheDir({ ...process.env, ...env }), ref.id, revision);
  if (!dir) return { reason: `${ref.id} is not in the Hugging Face cache yet ("SDXL: Download Base Model" puts it there)` };
  return isDir(dir) ? { dir } : { reason: `the cache's snapshot of ${ref.id} (${dir}) is missing` };
}

/** A counter over every tokenizer folder the model has: the larger count of the two. */
export async function captionTokenizerOfModel(modelDir: string): Promise<CaptionTokenizer> {
  const tokenizers: ClipTokenizer[] = [];
  const dirs: string[] = [];
  const problems: string[] = [];
  for (const sub of TOKENIZER_FOLDERS) {
    const dir = join(modelDir, sub);
    if (!isDir(dir)) continue;
    try {
      tokenizers.push(await loadClipTokenizer(dir));
      dirs.push(dir);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (tokenizers.length === 0) {
    return { reason: problems[0] ?? `${modelDir} has no tokenizer/ or tokenizer_2/ folder` };
  }
  const count: TokenCounter = (text) => {
    let most = 0;
    for (const t of tokenizers) most = Math.max(most, t.countTokens(text));
    return most;
  };
  return { count, dirs };
}

/** The configured model's caption counter, or why captions cannot be measured (said once, not as a finding). */
export async function captionTokenizerOfConfig(
  config: SdxlConfig,
  configPath: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CaptionTokenizer> {
  const folder = await modelFolderOfConfig(config, configPath, env);
  return 'reason' in folder ? folder : captionTokenizerOfModel(folder.dir);
}
