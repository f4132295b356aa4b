// `sdxl-trainer clip-score IMAGE... --prompt TEXT [--model ID|DIR] [--json] [--yes]`: the CLIP score (100 × max(0, cos))
// of each image against the prompt, with the model the editor uses (sdxl.clip.model's default unless --model), in
// this process (no worker: nothing else waits on this thread). A Hub model is downloaded on first use into the Hugging
// Face cache (HF_ENDPOINT, HF_TOKEN); one larger than a few MB asks at a terminal, or needs --yes.
import { resolve } from 'node:path';
import { createClipScorer } from '../core/clip/onnxScorer';
import { HubDownloadError } from '../core/hub/downloadErrors';
import { errText } from '../core/util/errText';
import { cliClipModel } from './clipModel';
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
    const files = await cliClipModel(model, flags.get('yes') === true, io, env, abort.signal);
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
