// A generation job's output folder as sdxl_generate.py leaves it (request.json, generation.json, real PNGs made with
// sharp, one per source × prompt × seed), and its GenerationState, for the comparison panel's tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { GeneratedImage, GenerationRequest, GenerationResult, GenerationSettings, GenerationState } from '../../src/core/generate/types';

export function plantedSettings(overrides: Partial<GenerationSettings> = {}): GenerationSettings {
  return {
    baseModel: 'stabilityai/stable-diffusion-xl-base-1.0',
    sources: [
      { label: 'base', kind: 'base' },
      { label: 'checkpoint-4', kind: 'lora', path: '/out/checkpoint-4', step: 4 },
      { label: 'final', kind: 'lora', path: '/out', step: 8 },
    ],
    prompts: ['a photo of sks dog', 'a sks dog in a bucket'],
    negativePrompt: 'blurry',
    steps: 20,
    guidance: 7.5,
    seed: 42,
    numImages: 2,
    width: 64,
    height: 48,
    ...overrides,
  };
}

/** Every image of the settings in the order the script makes them: by source, then prompt, then seed. */
export function allImages(s: GenerationSettings): GeneratedImage[] {
  const out: GeneratedImage[] = [];
  for (const src of s.sources)
    for (let p = 0; p < s.prompts.length; p++)
      for (let k = 0; k < s.numImages; k++)
        out.push({ source: src.label, promptIndex: p, seed: s.seed + k, file: `${src.label}/${p}-${s.seed + k}.png`, seconds: 1 });
  return out;
}

/** A flat colour per image, so each is told apart in a screenshot. */
export async function writeImage(outputDir: string, img: GeneratedImage, width: number, height: number): Promise<void> {
  const path = join(outputDir, img.file);
  mkdirSync(join(path, '..'), { recursive: true });
  const hue = (img.source.length * 50 + img.promptIndex * 90 + img.seed * 25) % 255;
  await sharp({ create: { width, height, channels: 3, background: { r: hue, g: 255 - hue, b: (hue * 3) % 255 } } })
    .png()
    .toFile(path);
}

/** Writes the output folder with the first `count` images (all by default); returns the job's state as a feed gives it. */
export async function plantJob(
  outputDir: string,
  o: { jobId?: string; name?: string; settings?: GenerationSettings; count?: number } = {},
): Promise<GenerationState> {
  const settings = o.settings ?? plantedSettings();
  const every = allImages(settings);
  const images = every.slice(0, o.count ?? every.length);
  mkdirSync(outputDir, { recursive: true });
  const request: GenerationRequest = { version: 1, runId: 'run-1', runName: 'dog-lora', settings, createdAt: '2026-11-29T10:00:00.000Z' };
  writeFileSync(join(outputDir, 'request.json'), JSON.stringify(request, null, 1));
  for (const img of images) await writeImage(outputDir, img, settings.width, settings.height);
  const result: GenerationResult = { version: 1, settings, device: 'cpu', dtype: 'float32', images, complete: images.length === every.length };
  writeFileSync(join(outputDir, 'generation.json'), JSON.stringify(result, null, 1));
  return {
    jobId: o.jobId ?? 'dog-lora-samples-1',
    runId: 'run-1',
    name: o.name ?? 'samples of dog-lora',
    outputDir,
    status: images.length === every.length ? 'succeeded' : 'generating',
    settings,
    device: 'cpu',
    dtype: 'float32',
    total: every.length,
    images,
  };
}
