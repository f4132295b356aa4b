// `sdxl-trainer clip-score IMAGE... --prompt TEXT [--model ID|DIR] [--json] [--yes]`: the CLIP score (100 × max(0, cos))
// of each image against the prompt, with the model the editor uses (sdxl.clip.model's default unless --model), in
// this process (no worker: nothing else waits on this thread). A Hub model is downloaded on first use into the Hugging
// Face cache (HF_ENDPOINT, HF_TOKEN); one larger than a few MB asks at a terminal, or needs --yes.
import { resolve } from 'node:path';
import { DEFAULT_CLIP_MODEL, resolveClipModel } from '../core/clip/clipModelFiles';
import { createClipScorer } from '../core/clip/onnxScorer';
import { hubCacheDir } from '../core/hub/cachePaths';
import { HubDownloadError } from '../core/hub/downloadErrors';
import { progressText } from '../core/hub/downloadText';
import { hubAccessFor } from '../core/hub/hubAccess';
import { resolveHubToken } from '../core/hub/token';
import { errText } from '../core/util/errText';
import { parseFlags, UsageError, type CliIo } from './io';

const USAGE = 'usage: clip-score IMAGE... --prompt TEXT [--model ID|DIR] [--json] [--yes]';

export async function clipScoreCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'yes']);
  const prompt = flags.get('prompt');
  if (typeof prompt !== 'string') throw new UsageError(`--prompt TEXT is required. ${USAGE}`);
  if (positional.length === 0) throw new UsageError(`no images. ${USAGE}`);
  const model = flags.get('model');
  if (model === true) throw new UsageError('--model needs a value');
  const env = io.env ?? process.env;
  const images = positional.map((p) => resolve(io.cwd, p));
  const abort = new AbortController();
  const unhook = io.onInterrupt?.(() => abort.abort());
  try {
    let last = 0;
    const files = await resolveClipModel(model ?? DEFAULT_CLIP_MODEL, {
      access: hubAccessFor(env, resolveHubToken({ env })?.value, env),
      cacheDir: hubCacheDir(env),
      baseDir: io.cwd,
      signal: abort.signal,
      confirm: async (plan) => {
        if (flags.get('yes') === true) return true;
        const mb = (plan.missingBytes / 1e6).toFixed(0);
        if (!io.ask) {
          io.err(`The CLIP model ${model ?? DEFAULT_CLIP_MODEL} needs a ${mb} MB download: run again with --yes to download it.\n`);
          return false;
        }
        return /^y(es)?$/i.test(
          (await io.ask(`Download the CLIP model ${model ?? DEFAULT_CLIP_MODEL} (${mb} MB) into the Hugging Face cache? [y/N] `))?.trim() ?? '',
        );
      },
      onProgress: (p) => {
        const now = Date.now();
        if (p.file !== undefined && now - last < 1000 && p.fileBytes !== p.fileSize) return;
        last = now;
        io.err(`${progressText(p)}\n`);
      },
    });
    const scorer = createClipScorer({ files });
    try {
      const scores = await scorer.score(images, prompt, abort.signal);
      if (flags.get('json') === true) {
        io.out(`${JSON.stringify({ model: files.dir, prompt, scores: images.map((image, i) => ({ image, score: scores[i] })) }, null, 2)}\n`);
      } else {
        for (let i = 0; i < images.length; i++) io.out(`${scores[i]!.toFixed(2)}\t${positional[i]}\n`);
      }
    } finally {
      await scorer.dispose();
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.err(`error: ${e instanceof HubDownloadError ? e.message : errText(e)}\n`);
    return 1;
  } finally {
    unhook?.();
  }
}
