// The training crop of one image, as the SDXL scripts compute it (diffusers v0.27.2, train_text_to_image_sdxl.py
// preprocess_train and DreamBoothDataset): torchvision Resize(resolution) on the shorter side, an optional horizontal
// flip, then CenterCrop or RandomCrop.get_params. The numbers are the size conditioning the UNet sees.
import type { TrainingCrop } from './types';

export interface CropOptions {
  centerCrop: boolean;
  /** `--random_flip`: the script flips with p = 0.5 before cropping. */
  flip: boolean;
  /** Uniform [0, 1) draws for the flip and the random crop; default Math.random. */
  random?: () => number;
}

/**
 * torchvision's Resize size rule for an int size: the shorter side becomes `size`, the longer `int(size * long / short)`
 * (truncated, not rounded; torchvision/transforms/functional.py _compute_resized_output_size).
 */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((size * long) / short);
  return width <= height ? { width: size, height: newLong } : { width: newLong, height: size };
}

/** Python 3's round(): halves go to the even neighbour (round(0.5) = 0, round(1.5) = 2). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function trainingCrop(width: number, height: number, resolution: number, options: CropOptions): TrainingCrop {
  if (!(width > 0 && height > 0 && resolution > 0)) throw new RangeError(`no crop of a ${width}×${height} image at resolution ${resolution}`);
  const random = options.random ?? Math.random;
  const r = resizedSize(width, height, resolution);
  const flipped = options.flip && random() < 0.5;
  let top: number;
  let left: number;
  if (options.centerCrop) {
    top = Math.max(0, pyRound((r.height - resolution) / 2));
    left = Math.max(0, pyRound((r.width - resolution) / 2));
  } else {
    // RandomCrop.get_params: torch.randint(0, h - th + 1) for top, then the same for left.
    top = Math.floor(random() * (r.height - resolution + 1));
    left = Math.floor(random() * (r.width - resolution + 1));
  }
  return {
    resizedWidth: r.width,
    resizedHeight: r.height,
    left,
    top,
    size: resolution,
    flipped,
    originalSize: [height, width],
    cropsCoordsTopLeft: [top, left],
    keptFraction: (resolution * resolution) / (r.width * r.height),
  };
}
