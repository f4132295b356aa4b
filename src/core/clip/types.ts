// What the rest of the product asks of CLIP: a score of images against a text. The scorer behind it (ONNX Runtime on
// the CPU, in a worker thread in the editor) is loaded only when first needed.

/**
 * CLIP score as torchmetrics defines it: 100 × max(0, cosine similarity of the image and text embeddings).
 * Comparable across images of one model only.
 */
export type ClipScore = number;

export interface ImageTextScorer {
  /** One score per image, in order. An image that cannot be read rejects the whole call with its path named. */
  score(images: readonly string[], text: string, signal?: AbortSignal): Promise<ClipScore[]>;
  /** Pairs: the score of images[i] against texts[i] (the dataset's image–caption similarity). */
  scorePairs(images: readonly string[], texts: readonly string[], signal?: AbortSignal): Promise<ClipScore[]>;
  dispose(): Promise<void>;
}

/** Counts CLIP tokens of a caption the way the configured model's tokenizer does, without BOS/EOS. */
export type TokenCounter = (text: string) => number;

/** The scripts pad and truncate every caption to the text encoders' 77 positions, BOS and EOS included. */
export const CLIP_MAX_POSITIONS = 77;
