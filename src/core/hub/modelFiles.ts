// Which files of a diffusers SDXL repo the training scripts load, so a download fetches those and nothing else.
// The three scripts (train_dreambooth_lora_sdxl.py, train_text_to_image_lora_sdxl.py, train_text_to_image_sdxl.py) load:
//   model_index.json (dreambooth reads it for the scheduler class), scheduler/ (DDPM/Euler, no `revision` passed),
//   tokenizer/ and tokenizer_2/ (AutoTokenizer, use_fast=False: tokenizer.json is not read),
//   text_encoder/ and text_encoder_2/ (transformers, revision + variant), unet/ (revision + variant),
//   vae/ — or, with pretrained_vae_model_name_or_path, the root of that repo (revision + variant as well).
// Weights follow from_pretrained: `.safetensors` first, `.bin` only when a folder has no safetensors; with `variant`
// only the variant's files (`model.fp16.safetensors`), as from_pretrained(variant=…) loads no others. Never the
// single-file checkpoints at the repo root, onnx/, flax/openvino weights.
import { existsSync } from 'node:fs';
import type { SdxlConfig } from '../config/config';
import type { ArgValue } from '../scripts/scriptTables';
import { classifyRef, runPathOf } from './hubRefs';
import { HubDownloadError } from './downloadErrors';

export interface RepoFile {
  path: string;
  size: number;
}

type WeightLib = 'transformers' | 'diffusers';

interface Component {
  folder: string;
  weights?: WeightLib;
  /** The script passes `revision` for this component (the scheduler is loaded from the default branch). */
  revisioned: boolean;
}

const PIPELINE: readonly Component[] = [
  { folder: 'scheduler', revisioned: false },
  { folder: 'tokenizer', revisioned: true },
  { folder: 'tokenizer_2', revisioned: true },
  { folder: 'text_encoder', weights: 'transformers', revisioned: true },
  { folder: 'text_encoder_2', weights: 'transformers', revisioned: true },
  { folder: 'unet', weights: 'diffusers', revisioned: true },
];
const VAE_FOLDER: Component = { folder: 'vae', weights: 'diffusers', revisioned: true };

const WEIGHT_NAMES: Record<WeightLib, { safetensors: string; bin: string }> = {
  transformers: { safetensors: 'model.safetensors', bin: 'pytorch_model.bin' },
  diffusers: { safetensors: 'diffusion_pytorch_model.safetensors', bin: 'diffusion_pytorch_model.bin' },
};

/** `model.safetensors` + `fp16` → `model.fp16.safetensors` (diffusers' and transformers' _add_variant). */
export function addVariant(name: string, variant: string | undefined): string {
  if (!variant) return name;
  const parts = name.split('.');
  parts.splice(parts.length - 1, 0, variant);
  return parts.join('.');
}

const WEIGHT_EXT = /\.(safetensors|bin|ckpt|pt|pth|h5|msgpack|onnx|onnx_data|xml|gguf)$/;

/** Small files a folder's loader reads: configs, vocabularies, merges. Not weights, weight indexes or tokenizer.json. */
function isConfigFile(name: string): boolean {
  return /\.(json|txt|model)$/.test(name) && !WEIGHT_EXT.test(name) && !/\.index(\.[^.]+)?\.json$/.test(name) && name !== 'tokenizer.json';
}

/**
 * The weight files of one folder as from_pretrained picks them, or undefined when it has none it would load.
 * `names` are the file names directly in the folder.
 */
function pickWeights(names: ReadonlySet<string>, lib: WeightLib, variant: string | undefined): string[] | undefined {
  for (const ext of ['safetensors', 'bin'] as const) {
    const single = addVariant(WEIGHT_NAMES[lib][ext], variant);
    if (names.has(single)) return [single];
    // Sharded: an index (`model.safetensors.index.fp16.json`) and its shards (`model.fp16-00001-of-00002.safetensors`).
    const index = addVariant(`${WEIGHT_NAMES[lib][ext]}.index.json`, variant);
    if (names.has(index)) {
      const stem = addVariant(WEIGHT_NAMES[lib][ext], variant).replace(new RegExp(`\\.${ext}$`), '');
      const shard = new RegExp(`^${stem.replace(/\./g, '\\.')}-\\d+-of-\\d+\\.${ext}$`);
      return [index, ...[...names].filter((n) => shard.test(n)).sort()];
    }
  }
  return undefined;
}

function byFolder(files: readonly RepoFile[]): Map<string, Map<string, RepoFile>> {
  const folders = new Map<string, Map<string, RepoFile>>();
  for (const f of files) {
    const cut = f.path.lastIndexOf('/');
    const folder = cut < 0 ? '' : f.path.slice(0, cut);
    let m = folders.get(folder);
    if (!m) folders.set(folder, (m = new Map()));
    m.set(f.path.slice(cut + 1), f);
  }
  return folders;
}

export interface SelectedFile extends RepoFile {
  /** Whether the script loads it at the config's `revision` (false: from the default branch). */
  revisioned: boolean;
}

function selectComponents(repo: string, files: readonly RepoFile[], components: readonly Component[], variant: string | undefined): SelectedFile[] {
  const folders = byFolder(files);
  const out: SelectedFile[] = [];
  const missing: string[] = [];
  for (const c of components) {
    const inFolder = folders.get(c.folder) ?? new Map<string, RepoFile>();
    const where = c.folder === '' ? 'the repo root' : `${c.folder}/`;
    const configs = [...inFolder.keys()].filter(isConfigFile).sort();
    if (configs.length === 0) {
      missing.push(`${where} (no config)`);
      continue;
    }
    let weights: string[] = [];
    if (c.weights) {
      const picked = pickWeights(new Set(inFolder.keys()), c.weights, variant);
      if (!picked) {
        const want = addVariant(WEIGHT_NAMES[c.weights].safetensors, variant);
        missing.push(`${where} (no ${want} or ${addVariant(WEIGHT_NAMES[c.weights].bin, variant)})`);
        continue;
      }
      weights = picked;
    }
    for (const name of [...configs, ...weights]) out.push({ ...inFolder.get(name)!, revisioned: c.revisioned });
  }
  if (missing.length > 0) {
    const hint = variant ? ` The config asks for variant "${variant}": remove "variant" to use the plain weights if the repo has no ${variant} files.` : '';
    throw new HubDownloadError('missing-files', `${repo} lacks what the training script loads: ${missing.join(', ')}.${hint}`);
  }
  return out;
}

/** The files of an SDXL pipeline repo the script loads; without the vae/ folder when a separate VAE repo is used. */
export function selectPipelineFiles(repo: string, files: readonly RepoFile[], options: { variant?: string; withVae: boolean }): SelectedFile[] {
  const root = files.find((f) => f.path === 'model_index.json');
  if (!root)
    throw new HubDownloadError(
      'missing-files',
      `${repo} has no model_index.json: it is not a diffusers pipeline repo (a single-file checkpoint cannot be trained by these scripts).`,
    );
  const components = options.withVae ? [...PIPELINE, VAE_FOLDER] : PIPELINE;
  return [{ ...root, revisioned: true }, ...selectComponents(repo, files, components, options.variant)];
}

/** The files of a VAE repo loaded from its root (pretrained_vae_model_name_or_path): config.json + weights. */
export function selectVaeFiles(repo: string, files: readonly RepoFile[], options: { variant?: string }): SelectedFile[] {
  return selectComponents(repo, files, [{ ...VAE_FOLDER, folder: '' }], options.variant).filter(
    (f) => f.path === 'config.json' || WEIGHT_EXT.test(f.path) || /\.index/.test(f.path),
  );
}

/** What a config asks to download: the model, maybe a VAE repo, and the revision and variant the script passes. */
export interface DownloadRequest {
  model: string;
  /** The VAE repo to download (pretrained_vae_model_name_or_path when it is a Hub id). */
  vae?: string;
  /** Whether the script loads the model's own vae/ (no pretrained_vae_model_name_or_path). */
  modelVae: boolean;
  revision?: string;
  variant?: string;
}

/**
 * A Hub repo id (`org/name`, or a legacy `name`) as opposed to a local path, by the rule the Hub checks use
 * (hubRefs.ts); a weights file's name (`model.safetensors`) is a path here, since it is what one downloads.
 */
export function isHubId(value: string): boolean {
  return classifyRef(value, undefined).kind === 'hub' && !/\.(safetensors|ckpt|bin)$/.test(value);
}

/**
 * The download a config asks for, with the values that name an existing file or folder, where the run resolves them
 * (hubRefs.ts runPathOf: the run's working folder), taken as local.
 */
export function downloadRequestOfConfig(config: SdxlConfig, configPath: string): DownloadRequest | string {
  return downloadRequestOf(config.args, (p) => {
    const abs = runPathOf(config, configPath, p);
    return abs !== undefined && existsSync(abs);
  });
}

/**
 * The download a config's args ask for. `isLocal` says whether a value names an existing local path (the script
 * then loads it from disk: nothing to download). Returns the reason when there is nothing to download.
 */
export function downloadRequestOf(args: Readonly<Record<string, ArgValue>>, isLocal: (p: string) => boolean): DownloadRequest | string {
  const text = (dest: string): string | undefined => {
    const v = args[dest];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const model = text('pretrained_model_name_or_path');
  if (!model) return 'The config has no pretrained_model_name_or_path.';
  if (isLocal(model) || !isHubId(model)) return `pretrained_model_name_or_path "${model}" is a local path, not a Hub model id: nothing to download.`;
  const vae = text('pretrained_vae_model_name_or_path');
  const revision = text('revision');
  const variant = text('variant');
  return {
    model,
    modelVae: vae === undefined,
    ...(vae !== undefined && !isLocal(vae) && isHubId(vae) ? { vae } : {}),
    ...(revision !== undefined ? { revision } : {}),
    ...(variant !== undefined ? { variant } : {}),
  };
}
