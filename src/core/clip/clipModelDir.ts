// The files of a CLIP model folder in ONNX form, laid out as the transformers.js exports on the Hub are
// (Xenova/clip-vit-base-patch32: tokenizer files and preprocessor_config.json at the root, models under onnx/) or
// flat (the models next to the tokenizer), or as a diffusers-like folder with tokenizer/.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ClipModelFiles {
  /** The model folder (for messages). */
  dir: string;
  /** vision_model.onnx (pixel_values → image_embeds) and text_model.onnx (input_ids → text_embeds)… */
  vision?: string;
  text?: string;
  /** …or one model.onnx holding both (inputs input_ids, pixel_values; outputs text_embeds, image_embeds). */
  combined?: string;
  /** Folder with vocab.json + merges.txt (or tokenizer.json). */
  tokenizerDir: string;
  /** preprocessor_config.json, when the model has one (else openai CLIP's values). */
  preprocessorConfig?: string;
}

/**
 * The ONNX files, in the order they are looked for: the dynamically quantized (uint8) exports first. They are a
 * quarter of the size (the default model downloads ~90 MB instead of ~600 MB) and faster on a CPU; the scores move by
 * a fraction of a point, and they are only ever compared with scores of the same model.
 */
export const VISION_NAMES = ['onnx/vision_model_quantized.onnx', 'onnx/vision_model.onnx', 'vision_model_quantized.onnx', 'vision_model.onnx'];
export const TEXT_NAMES = ['onnx/text_model_quantized.onnx', 'onnx/text_model.onnx', 'text_model_quantized.onnx', 'text_model.onnx'];
export const COMBINED_NAMES = ['onnx/model_quantized.onnx', 'onnx/model.onnx', 'model_quantized.onnx', 'model.onnx'];
export const TOKENIZER_NAMES = ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'];
export const PREPROCESSOR_NAME = 'preprocessor_config.json';

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function first(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) if (await isFile(join(dir, n))) return join(dir, n);
  return undefined;
}

/** The model files of a local folder; throws naming the folder and what is missing. */
export async function findClipModelFiles(dir: string): Promise<ClipModelFiles> {
  const vision = await first(dir, VISION_NAMES);
  const text = await first(dir, TEXT_NAMES);
  const combined = vision && text ? undefined : await first(dir, COMBINED_NAMES);
  if (!combined && !(vision && text)) {
    throw new Error(`CLIP model ${dir}: no ONNX model (looked for vision_model.onnx and text_model.onnx, or model.onnx, in the folder and its onnx/)`);
  }
  let tokenizerDir: string | undefined;
  for (const d of [dir, join(dir, 'tokenizer')]) {
    if ((await isFile(join(d, 'vocab.json'))) || (await isFile(join(d, 'tokenizer.json')))) {
      tokenizerDir = d;
      break;
    }
  }
  if (!tokenizerDir) throw new Error(`CLIP model ${dir}: no tokenizer (vocab.json and merges.txt, or tokenizer.json)`);
  const preprocessorConfig = await first(dir, [PREPROCESSOR_NAME]);
  return { dir, ...(combined ? { combined } : { vision, text }), tokenizerDir, ...(preprocessorConfig ? { preprocessorConfig } : {}) };
}
