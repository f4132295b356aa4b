// `sdxl-trainer download FILE|ID [--variant V] [--revision R]`: what "SDXL: Download Base Model" does, from a
// config (its model, VAE, revision and variant; launch.env's HF_HOME/HF_HUB_CACHE/HF_ENDPOINT) or a model id. The
// endpoint and token come from HF_ENDPOINT / HF_TOKEN. Progress on stderr; Ctrl-C cancels and keeps the partial file.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { hubCacheDir } from '../core/hub/cachePaths';
import { runDownload, type DownloadProgress } from '../core/hub/download';
import { HubDownloadError } from '../core/hub/downloadErrors';
import { planDownload } from '../core/hub/downloadPlan';
import { planSummary, progressText } from '../core/hub/downloadText';
import { hubAccessFor } from '../core/hub/hubAccess';
import { resolveHubToken } from '../core/hub/token';
import { downloadRequestOfConfig, isHubId, type DownloadRequest } from '../core/hub/modelFiles';
import { parseFlags, UsageError, type CliIo } from './io';
import { readConfigOrSay } from './validate';

const USAGE = 'usage: download FILE|ID [--variant V] [--revision R]';

export async function downloadCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args);
  if (positional.length !== 1) throw new UsageError(USAGE);
  const what = positional[0]!;
  let request: DownloadRequest;
  let env: Record<string, string | undefined> = { ...process.env };
  const file = resolve(io.cwd, what);
  if (what.endsWith('.json') || (existsSync(file) && !isHubId(what))) {
    const config = readConfigOrSay(file, io);
    if (!config) return 1;
    const req = downloadRequestOfConfig(config, file);
    if (typeof req === 'string') {
      io.err(`${file}: ${req}\n`);
      return 1;
    }
    request = req;
    env = { ...env, ...(config.launch?.env ?? {}) };
  } else if (isHubId(what)) request = { model: what, modelVae: true };
  else throw new UsageError(`${what} is neither a config file nor a Hub model id (org/name). ${USAGE}`);
  for (const key of ['variant', 'revision'] as const) {
    const v = flags.get(key);
    if (v === true) throw new UsageError(`--${key} needs a value`);
    if (v !== undefined) request = { ...request, [key]: v };
  }
  // The token from this process's environment or the CLI's token file, never from a config.
  const access = hubAccessFor(env, resolveHubToken({ env: process.env })?.value, process.env);
  const abort = new AbortController();
  const unhook = io.onInterrupt?.(() => abort.abort());
  try {
    const plan = await planDownload(request, access, hubCacheDir(env));
    io.err(`${planSummary(plan)}\n`);
    const result = await runDownload(plan, access, { signal: abort.signal, onProgress: progressPrinter(io) });
    io.out(`${result.snapshot}\n`);
    io.err(`downloaded ${result.downloaded} file(s), ${result.skipped} already in the cache\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof HubDownloadError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  } finally {
    unhook?.();
  }
}

/** Download progress on stderr: a line per file started or finished, else at most one a second. */
export function progressPrinter(io: Pick<CliIo, 'err'>): (p: DownloadProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.file !== undefined && now - last < 1000 && p.fileBytes !== p.fileSize) return;
    last = now;
    io.err(`${progressText(p)}\n`);
  };
}
