// Where a run's validation images are cached and how many a grid holds: shared by the TensorBoard and wandb sources.
import { basename, join } from 'node:path';
import type { SourceContext } from './types';

/** `<imageCacheDir>/<run id>` (layout: worker/validationImages.ts). */
export function runCacheDir(ctx: SourceContext): string {
  return join(ctx.options.imageCacheDir, ctx.facts.launch?.id ?? basename(ctx.recordDir));
}

/** The run's --num_validation_images (4, the scripts' default, when not given). */
export function numImages(ctx: SourceContext): number {
  const n = ctx.facts.launch?.args.num_validation_images;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 4;
}
