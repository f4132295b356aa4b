// GenerationSettings → the argument array of python/sdxl_generate.py (never a shell string), and the checks that name
// the setting that is wrong before anything starts. The script parses exactly these flags (docs/generation.md).
import type { GenerationSettings, GenerationSource } from './types';

export const LABEL_PATTERN = /^[A-Za-z0-9][\w.-]{0,63}$/;
/** Images one job may make: a comparison larger than this is not looked at, and views keep every image's row. */
export const MAX_IMAGES = 2000;

/** Problems with the settings, each naming its field (`prompts[2]`, `sources[1].path`); empty when fine. */
export function settingsProblems(s: GenerationSettings): string[] {
  const problems: string[] = [];
  const int = (v: number, name: string, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${name} must be a whole number from ${min} to ${max} (got ${String(v)})`);
  };
  if (!s.baseModel.trim()) problems.push('baseModel is empty: the run has no pretrained_model_name_or_path');
  if (!s.sources.length) problems.push('sources is empty: choose at least one of the base model, a checkpoint or the final weights');
  const labels = new Set<string>();
  s.sources.forEach((src: GenerationSource, i) => {
    if (!LABEL_PATTERN.test(src.label)) problems.push(`sources[${i}].label '${src.label}' must be letters, digits, '.', '_' or '-' (a folder name)`);
    if (labels.has(src.label)) problems.push(`sources[${i}].label '${src.label}' is used twice`);
    labels.add(src.label);
    if (src.kind === 'base' ? src.path !== undefined : !src.path)
      problems.push(`sources[${i}].path ${src.kind === 'base' ? 'must be absent for the base model' : 'is missing'}`);
  });
  if (!s.prompts.length) problems.push('prompts is empty: give at least one prompt');
  s.prompts.forEach((p, i) => {
    if (!p.trim()) problems.push(`prompts[${i}] is empty`);
  });
  int(s.steps, 'steps', 1, 1000);
  if (!Number.isFinite(s.guidance) || s.guidance < 0 || s.guidance > 50) problems.push(`guidance must be a number from 0 to 50 (got ${String(s.guidance)})`);
  int(s.seed, 'seed', 0, 2 ** 32 - 1);
  int(s.numImages, 'numImages', 1, 64);
  for (const [name, v] of [
    ['width', s.width],
    ['height', s.height],
  ] as const) {
    int(v, name, 8, 4096);
    if (Number.isInteger(v) && v % 8 !== 0) problems.push(`${name} must be a multiple of 8 (the VAE's scale; got ${v})`);
  }
  const total = s.sources.length * s.prompts.length * s.numImages;
  if (Number.isInteger(total) && total > MAX_IMAGES)
    problems.push(`${total} images (sources × prompts × numImages) is more than one job makes (${MAX_IMAGES}); split it`);
  const nul = [s.baseModel, s.vae, s.negativePrompt, ...s.prompts, ...s.sources.map((x) => x.path)].some((t) => t?.includes('\u0000'));
  if (nul) problems.push('a prompt, model or path contains a NUL character');
  return problems;
}

/** `--source` value: `LABEL=base`, `LABEL=lora:/path`, `LABEL=unet:/path`, `LABEL=pipeline:/path`. */
export function sourceArg(src: GenerationSource): string {
  return src.kind === 'base' ? `${src.label}=base` : `${src.label}=${src.kind}:${src.path ?? ''}`;
}

/** The full argv: `[python, script, …flags]`. Throws with every problem when the settings are not valid. */
export function generationArgv(python: string, script: string, s: GenerationSettings, outputDir: string): string[] {
  const problems = settingsProblems(s);
  if (problems.length) throw new Error(`Cannot generate: ${problems.join('; ')}`);
  const argv = [python, script, '--pretrained_model_name_or_path', s.baseModel];
  if (s.vae) argv.push('--pretrained_vae_model_name_or_path', s.vae);
  if (s.revision) argv.push('--revision', s.revision);
  if (s.variant) argv.push('--variant', s.variant);
  for (const src of s.sources) argv.push('--source', sourceArg(src));
  for (const p of s.prompts) argv.push('--prompt', p);
  if (s.negativePrompt) argv.push('--negative_prompt', s.negativePrompt);
  argv.push(
    '--num_inference_steps',
    String(s.steps),
    '--guidance_scale',
    String(s.guidance),
    '--seed',
    String(s.seed),
    '--num_images',
    String(s.numImages),
    '--width',
    String(s.width),
    '--height',
    String(s.height),
    '--output_dir',
    outputDir,
  );
  if (s.device && s.device !== 'auto') argv.push('--device', s.device);
  return argv;
}
