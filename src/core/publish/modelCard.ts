// The README.md a publish puts in the repo: YAML front matter the Hub reads, then what the model is, how it was trained
// and how to use it. Deterministic: the same input gives the same text, so a re-publish of an unchanged run changes
// nothing in it. Nothing of the machine it was trained on leaks: a local path is written "local", tokens are masked.
//
// Conventions followed (checked against the Hub's docs and the diffusers scripts):
// - https://huggingface.co/docs/hub/model-cards (metadata: `license`, `base_model`, `library_name`, `tags`, `widget`
//   with `text` and `output.url`, which the Hub renders as the sample gallery).
// - diffusers examples/dreambooth/train_dreambooth_lora_sdxl.py `save_model_card`: tags text-to-image, diffusers,
//   lora, template:sd-lora, stable-diffusion-xl, stable-diffusion-xl-diffusers; `instance_prompt`; license openrail++.
import type { ScriptKind } from '../scripts/kinds';
import type { ArgValue } from '../scripts/scriptTables';
import { maskSecret, redactText } from '../util/redact';

export const DEFAULT_LICENSE = 'openrail++';

export interface ModelCardInput {
  repoId: string;
  kind: ScriptKind;
  runName: string;
  /** The script's arguments from the run's plan (argsFromArgv). */
  args: Readonly<Record<string, ArgValue>>;
  license?: string;
  images: ReadonlyArray<{ repoPath: string; prompt: string }>;
  weights: 'final' | { checkpoint: number };
  /** Checkpoints' weights published under checkpoints/. */
  checkpoints?: readonly number[];
  /** How many images a local dataset holds, when known. */
  datasetImages?: number;
  /** Values to mask wherever they appear (the Hub token). */
  secrets?: readonly string[];
  /** Whether a value names something on this machine (default: it looks like a path). */
  isLocal?: (value: string) => boolean;
}

/** Arguments whose value is a place on this machine whatever it looks like. */
const PATH_ARGS = new Set(['output_dir', 'logging_dir', 'cache_dir', 'instance_data_dir', 'class_data_dir', 'train_data_dir']);
/** Arguments naming a Hub id or a local folder. */
const ID_ARGS = new Set(['pretrained_model_name_or_path', 'pretrained_vae_model_name_or_path', 'dataset_name']);
const SECRET_ARGS = new Set(['hub_token']);

/** Absolute, home-relative, `./` / `../` or with a backslash: a path, not a Hub id. */
export function looksLikePath(value: string): boolean {
  return /^(\/|~|\.{1,2}(\/|\\|$)|[A-Za-z]:[\\/])/.test(value) || value.includes('\\');
}

const LOCAL = 'local';

function clean(input: ModelCardInput, value: string): string {
  return redactText(value, input.secrets ?? []);
}

/** A Hub id as it is, else "local". */
function hubIdOrLocal(input: ModelCardInput, value: ArgValue | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return (input.isLocal ?? looksLikePath)(value) ? LOCAL : clean(input, value);
}

function argShown(input: ModelCardInput, key: string, value: ArgValue): string {
  if (SECRET_ARGS.has(key)) return typeof value === 'string' ? maskSecret(value) : String(value);
  if (typeof value !== 'string') return String(value);
  if (PATH_ARGS.has(key)) return value === '' ? value : LOCAL;
  if (ID_ARGS.has(key)) return hubIdOrLocal(input, value) ?? '';
  if (key === 'resume_from_checkpoint' && value !== 'latest') return LOCAL;
  return (input.isLocal ?? looksLikePath)(value) ? LOCAL : clean(input, value);
}

const yamlString = (s: string): string => JSON.stringify(s);
const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const isLora = (kind: ScriptKind): boolean => kind !== 'full';

function frontMatter(input: ModelCardInput, base: string | undefined, instancePrompt: string | undefined): string[] {
  const lines = ['---'];
  if (base && base !== LOCAL) lines.push(`base_model: ${yamlString(base)}`);
  lines.push('library_name: diffusers', `license: ${yamlString(input.license?.trim() || DEFAULT_LICENSE)}`);
  if (instancePrompt !== undefined) lines.push(`instance_prompt: ${yamlString(instancePrompt)}`);
  const tags = ['text-to-image', 'diffusers', 'stable-diffusion-xl', 'stable-diffusion-xl-diffusers'];
  if (isLora(input.kind)) tags.push('lora');
  if (input.kind === 'dreambooth-lora') tags.push('dreambooth');
  if (isLora(input.kind)) tags.push('template:sd-lora');
  lines.push('tags:', ...tags.map((t) => `- ${t}`));
  if (input.images.length > 0) {
    lines.push('widget:');
    for (const img of input.images) lines.push(`- text: ${yamlString(clean(input, img.prompt))}`, '  output:', `    url: ${yamlString(img.repoPath)}`);
  }
  lines.push('---');
  return lines;
}

function usage(input: ModelCardInput, base: string | undefined, vae: string | undefined, prompt: string): string[] {
  const baseId = base && base !== LOCAL ? base : undefined;
  // A local base model: a variable on its own line, so the comment does not swallow the rest of the call.
  const baseLines = baseId ? [] : ['base_model = "path/to/the/base/model"  # trained on a local copy of the base model'];
  const baseRef = baseId ? JSON.stringify(baseId) : 'base_model';
  const vaeLines = vae && vae !== LOCAL ? [`vae = AutoencoderKL.from_pretrained(${JSON.stringify(vae)}, torch_dtype=torch.float16)`] : [];
  const vaeArg = vaeLines.length ? ', vae=vae' : '';
  const imports = [
    'import torch',
    `from diffusers import ${[vaeLines.length ? 'AutoencoderKL' : '', input.kind === 'full' && input.weights !== 'final' ? 'UNet2DConditionModel' : '', isLora(input.kind) || input.weights !== 'final' ? 'AutoPipelineForText2Image' : 'DiffusionPipeline'].filter((s) => s).join(', ')}`,
  ];
  const repo = JSON.stringify(input.repoId);
  const body: string[] = [...(isLora(input.kind) || input.weights !== 'final' ? baseLines : []), ...vaeLines];
  if (isLora(input.kind)) {
    body.push(`pipeline = AutoPipelineForText2Image.from_pretrained(${baseRef}, torch_dtype=torch.float16${vaeArg}).to("cuda")`);
    body.push(`pipeline.load_lora_weights(${repo}, weight_name="pytorch_lora_weights.safetensors")`);
  } else if (input.weights === 'final') {
    body.push(`pipeline = DiffusionPipeline.from_pretrained(${repo}, torch_dtype=torch.float16${vaeArg}).to("cuda")`);
  } else {
    body.push(`unet = UNet2DConditionModel.from_pretrained(${repo}, subfolder="unet", torch_dtype=torch.float16)`);
    body.push(`pipeline = AutoPipelineForText2Image.from_pretrained(${baseRef}, unet=unet, torch_dtype=torch.float16${vaeArg}).to("cuda")`);
  }
  body.push(`image = pipeline(${JSON.stringify(prompt)}).images[0]`);
  return ['```python', ...imports, '', ...body, '```'];
}

export function modelCard(input: ModelCardInput): string {
  const args = input.args;
  const base = hubIdOrLocal(input, args.pretrained_model_name_or_path);
  const vae = hubIdOrLocal(input, args.pretrained_vae_model_name_or_path);
  const instancePrompt = input.kind === 'dreambooth-lora' && typeof args.instance_prompt === 'string' ? clean(input, args.instance_prompt) : undefined;
  const prompt = clean(input, typeof args.validation_prompt === 'string' ? args.validation_prompt : (instancePrompt ?? input.images[0]?.prompt ?? 'a photo'));
  const what =
    input.kind === 'full'
      ? 'a full fine-tune of Stable Diffusion XL'
      : input.kind === 'dreambooth-lora'
        ? 'DreamBooth LoRA weights for Stable Diffusion XL'
        : 'LoRA weights for Stable Diffusion XL';
  const dataset = hubIdOrLocal(input, args.dataset_name);
  const datasetText =
    dataset && dataset !== LOCAL
      ? `the Hub dataset [${dataset}](https://huggingface.co/datasets/${dataset})`
      : input.datasetImages !== undefined
        ? `a local dataset of ${input.datasetImages} images`
        : 'a local dataset';
  const name = input.repoId.split('/').pop() ?? input.repoId;
  const lines = [...frontMatter(input, base, instancePrompt), '', `# ${name}`, ''];
  lines.push(
    `${isLora(input.kind) ? 'These are' : 'This is'} ${what}, trained with the diffusers training scripts (run "${clean(input, input.runName)}", published with the SDXL Trainer for VS Code).`,
  );
  if (input.weights !== 'final')
    lines.push('', `**Not the final weights:** the run ended before saving them; these are the weights of its checkpoint at step ${input.weights.checkpoint}.`);
  lines.push('', `- Base model: ${base === undefined ? 'unknown' : base === LOCAL ? 'a local model' : `[${base}](https://huggingface.co/${base})`}`);
  lines.push(`- VAE: ${vae === undefined ? "the base model's" : vae === LOCAL ? 'a local VAE' : `[${vae}](https://huggingface.co/${vae})`}`);
  lines.push(`- Dataset: ${datasetText}`);
  if (instancePrompt !== undefined) lines.push(`- Instance prompt: \`${instancePrompt}\` (use it to trigger the trained concept)`);
  lines.push(`- License: ${input.license?.trim() || DEFAULT_LICENSE}`);
  if (input.checkpoints?.length) lines.push(`- Checkpoints: ${input.checkpoints.map((s) => `\`checkpoints/checkpoint-${s}/\``).join(', ')}`);
  lines.push('', '## How to use it', '', ...usage(input, base, vae, prompt));
  lines.push('', '## Training arguments', '', '| argument | value |', '|---|---|');
  for (const key of Object.keys(args).sort()) {
    const v = args[key];
    if (v === undefined) continue;
    lines.push(`| \`${key}\` | ${cell(argShown(input, key, v))} |`);
  }
  if (input.images.length > 0) {
    lines.push('', '## Sample images', '');
    for (const img of input.images) lines.push(`![${cell(clean(input, img.prompt)).replace(/[[\]]/g, '')}](${img.repoPath})`);
  }
  return lines.join('\n') + '\n';
}
