// wandb fallback for validation images (report_to wandb): the media PNGs of the run's wandb folder, grouped by key
// and epoch.
import { resolve } from 'node:path';
import type { ValidationImage } from '../../run/events';
import { stepsPerEpoch } from '../../run/state';
import { extractSingle, findWandbImages } from '../../worker/validationImages';
import { runCacheDir } from './images';
import { errText, type RunSource, type SourceContext } from './types';

export class WandbSource implements RunSource {
  readonly name = 'wandb';
  private readonly done = new Set<string>();
  private readonly groups = new Map<string, { tag: string; step: number; images: ValidationImage[] }>();

  async poll(ctx: SourceContext): Promise<void> {
    const launch = ctx.facts.launch;
    if (launch?.args.report_to !== 'wandb' || ctx.options.summary) return;
    const final = ctx.facts.end !== undefined;
    const base = launch.env.WANDB_DIR ? resolve(launch.cwd, launch.env.WANDB_DIR) : launch.cwd;
    const found = await findWandbImages(base, launch.startedMs ?? 0, launch.endedMs ?? Infinity);
    const spe = stepsPerEpoch(ctx.state.banner);
    const changed = new Set<string>();
    for (const img of found) {
      if (this.done.has(img.path)) continue;
      // Images are filed under the global step; validation happens at the end of an epoch.
      if (!spe && !final) continue;
      let single: ValidationImage;
      try {
        single = await extractSingle(img.path, runCacheDir(ctx));
      } catch (e) {
        if (final) {
          this.done.add(img.path);
          ctx.warn(`wandb:${img.path}`, `cannot read the wandb image ${img.path}: ${errText(e)}`);
        }
        continue; // possibly still being written: next pass
      }
      this.done.add(img.path);
      const epoch = spe ? Math.max(0, Math.ceil(img.step / spe) - 1) : (ctx.state.epoch ?? 0);
      const key = `${img.key}\0${epoch}`;
      const group = this.groups.get(key) ?? { tag: img.key, step: epoch, images: [] };
      group.images.push(single);
      this.groups.set(key, group);
      changed.add(key);
    }
    for (const key of changed) {
      const g = this.groups.get(key)!;
      ctx.emit({ type: 'validationImages', tag: g.tag, epoch: g.step, images: [...g.images] });
    }
  }
}
