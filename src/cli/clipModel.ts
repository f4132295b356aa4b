// The CLIP model files for a CLI command (`clip-score`, `dataset-check --clip`): the editor's default model unless
// `--model`, downloaded on first use into the Hugging Face cache (HF_ENDPOINT, HF_TOKEN); a download larger than a few
// MB asks at a terminal, or needs --yes. Progress goes to stderr.
import type { ClipModelFiles } from '../core/clip/clipModelDir';
import { DEFAULT_CLIP_MODEL, resolveClipModel } from '../core/clip/clipModelFiles';
import { hubCacheDir } from '../core/hub/cachePaths';
import { hubAccessFor } from '../core/hub/hubAccess';
import { resolveHubToken } from '../core/hub/token';
import { progressPrinter } from './download';
import type { CliIo } from './io';

export async function cliClipModel(
  model: string | undefined,
  yes: boolean,
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
  signal: AbortSignal,
): Promise<ClipModelFiles> {
  const name = model ?? DEFAULT_CLIP_MODEL;
  return resolveClipModel(name, {
    access: hubAccessFor(env, resolveHubToken({ env })?.value, env),
    cacheDir: hubCacheDir(env),
    baseDir: io.cwd,
    signal,
    confirm: async (plan) => {
      if (yes) return true;
      const mb = (plan.missingBytes / 1e6).toFixed(0);
      if (!io.ask) {
        io.err(`The CLIP model ${name} needs a ${mb} MB download: run again with --yes to download it.\n`);
        return false;
      }
      return /^y(es)?$/i.test((await io.ask(`Download the CLIP model ${name} (${mb} MB) into the Hugging Face cache? [y/N] `))?.trim() ?? '');
    },
    onProgress: progressPrinter(io),
  });
}
