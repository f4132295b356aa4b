// `sdxl-trainer dataset-check [PATH] [--config FILE] [--resolution N] [--model ID|DIR] [--clip] [--clip-model ID|DIR]
// [--yes] [--json]`: the dataset check over a folder, or over the images a config trains on (its resolution and crop
// settings too). Captions are measured with the base model's own tokenizers (the config's, or --model's) when they are
// on this machine; --clip adds each image's CLIP similarity to its caption. Exit 1 when there are errors; Ctrl-C stops
// the check and prints what was checked. Progress goes to stderr, the report to stdout.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClipScorer } from '../core/clip/onnxScorer';
import type { ImageTextScorer } from '../core/clip/types';
import { captionTokenizerOfConfig, captionTokenizerOfModel, modelFolderOf, type CaptionTokenizer } from '../core/dataset/captionTokens';
import { checkDataset } from '../core/dataset/checkDataset';
import { datasetOfConfig, sourceOfFolder, type ConfigDataset } from '../core/dataset/sources';
import type { DatasetFinding, DatasetReport, DatasetSource, Histogram } from '../core/dataset/types';
import { hubAccessFor } from '../core/hub/hubAccess';
import { HubDownloadError } from '../core/hub/downloadErrors';
import { resolveHubToken } from '../core/hub/token';
import { errText } from '../core/util/errText';
import { cliClipModel } from './clipModel';
import { parseFlags, UsageError, type CliIo } from './io';
import { readConfigOrSay } from './validate';

const USAGE = 'usage: dataset-check [PATH] [--config FILE] [--resolution N] [--model ID|DIR] [--clip] [--clip-model ID|DIR] [--yes] [--json]';
const DEFAULT_RESOLUTION = 1024;

export async function datasetCheckCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'clip', 'yes']);
  if (positional.length > 1) throw new UsageError(USAGE);
  const configFlag = flags.get('config');
  if (configFlag === true) throw new UsageError('--config needs a value');
  if (positional.length === 0 && configFlag === undefined) throw new UsageError(`a folder of images or --config FILE is needed\n${USAGE}`);
  const env = io.env ?? process.env;

  for (const name of ['model', 'clip-model']) if (flags.get(name) === true) throw new UsageError(`--${name} needs a value`);
  let settings: ConfigDataset | undefined;
  let runEnv: Record<string, string | undefined> = { ...env };
  let tokenizer: CaptionTokenizer = { reason: 'no base model given (--config or --model)' };
  if (configFlag !== undefined) {
    const file = resolve(io.cwd, configFlag);
    const config = readConfigOrSay(file, io);
    if (!config) return 1;
    const found = datasetOfConfig(config, file);
    if ('error' in found) {
      if (positional.length === 0) {
        io.err(`${file}: error: ${found.error}\n`);
        return 1;
      }
    } else settings = found;
    runEnv = { ...runEnv, ...(config.launch?.env ?? {}) };
    tokenizer = await captionTokenizerOfConfig(config, file, runEnv);
  }

  let source: DatasetSource;
  if (positional.length === 1) {
    const dir = resolve(io.cwd, positional[0]!);
    if (!existsSync(dir)) {
      io.err(`${dir}: error: no such folder\n`);
      return 1;
    }
    if (!statSync(dir).isDirectory()) {
      io.err(`${dir}: error: not a folder: give the folder of images (or --config FILE for a config's dataset)\n`);
      return 1;
    }
    source = await sourceOfFolder(dir);
    // The config's column names still apply to a folder given in its place.
    if (source.kind === 'imagefolder' && settings?.source.kind === 'imagefolder') {
      source = { ...source, imageColumn: settings.source.imageColumn, captionColumn: settings.source.captionColumn };
    }
  } else source = settings!.source;

  const resolutionFlag = flags.get('resolution');
  let resolution = settings?.resolution ?? DEFAULT_RESOLUTION;
  if (resolutionFlag !== undefined) {
    resolution = Number(resolutionFlag);
    if (!Number.isInteger(resolution) || resolution <= 0) throw new UsageError('--resolution must be a positive integer');
  }

  const modelFlag = flags.get('model');
  if (typeof modelFlag === 'string') {
    const folder = await modelFolderOf(modelFlag, resolve(io.cwd, modelFlag), 'main', runEnv);
    tokenizer = 'reason' in folder ? folder : await captionTokenizerOfModel(folder.dir);
  }
  if ('reason' in tokenizer) io.err(`note: captions are not measured in CLIP tokens: ${tokenizer.reason}\n`);

  const abort = new AbortController();
  const unhook = io.onInterrupt?.(() => abort.abort());
  let last = 0;
  let report: DatasetReport;
  let scorer: ImageTextScorer | undefined;
  try {
    if (flags.get('clip') === true) {
      const clipModel = flags.get('clip-model');
      scorer = createClipScorer({
        files: await cliClipModel(typeof clipModel === 'string' ? clipModel : undefined, flags.get('yes') === true, io, env, abort.signal),
      });
    }
    report = await checkDataset(source, {
      ...('count' in tokenizer ? { tokenCount: tokenizer.count } : {}),
      ...(scorer ? { scorer } : {}),
      resolution,
      centerCrop: settings?.centerCrop ?? false,
      randomFlip: settings?.randomFlip ?? false,
      hub: hubAccessFor(runEnv, resolveHubToken({ env: process.env })?.value, process.env),
      signal: abort.signal,
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - last < 1000 && done !== total) return;
        last = now;
        if (total > 0 && done > 0) io.err(`checked ${done}/${total} images\n`);
      },
    });
  } catch (e) {
    io.err(`error: ${e instanceof HubDownloadError ? e.message : errText(e)}\n`);
    return 1;
  } finally {
    unhook?.();
    await scorer?.dispose();
  }
  if (flags.has('json')) {
    io.out(
      JSON.stringify(
        {
          images: report.images.length,
          findings: report.findings,
          summary: report.summary,
          captionTokens: 'count' in tokenizer ? { tokenizers: tokenizer.dirs } : { skipped: tokenizer.reason },
          ...(scorer ? { clip: report.images.flatMap((im) => (im.clipScore !== undefined ? [{ file: im.file, score: im.clipScore }] : [])) } : {}),
          ...(report.cancelled ? { cancelled: true } : {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else io.out(readableReport(report));
  return report.summary.errors > 0 ? 1 : 0;
}

function where(source: DatasetSource): string {
  switch (source.kind) {
    case 'imagefolder':
      return `${source.dir} (imagefolder)`;
    case 'dreambooth':
      return `${source.instanceDir} (DreamBooth folder${source.classDir ? `, class images in ${source.classDir}` : ''})`;
    case 'hub':
      return `${source.id} (Hub dataset)`;
  }
}

const BAR = 30;

export function histogramText(title: string, h: Histogram): string {
  let max = 0;
  for (const c of h.counts) if (c > max) max = c;
  const width = h.labels.reduce((w, l) => Math.max(w, l.length), 0);
  const rows = h.labels.map((l, i) => {
    const c = h.counts[i]!;
    const bar = max > 0 ? '█'.repeat(Math.round((c / max) * BAR)) : '';
    return `  ${l.padEnd(width)} ${bar}${c > 0 ? ` ${c}` : ''}`;
  });
  return `${title}\n${rows.join('\n')}\n`;
}

function findingLine(f: DatasetFinding): string {
  return `    ${f.file}${f.line !== undefined ? `:${f.line}` : ''}: ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ''}\n`;
}

export function readableReport(report: DatasetReport): string {
  const s = report.summary;
  let out = `${where(report.source)}: ${s.images} image(s) at resolution ${report.resolution}; ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} note(s)${report.cancelled ? ' — cancelled, partial' : ''}\n`;
  const groups = new Map<string, DatasetFinding[]>();
  for (const f of report.findings) {
    const key = `${f.severity} ${f.code}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  const rank = { error: 0, warning: 1, info: 2 };
  const keys = Array.from(groups.keys()).sort((a, b) => rank[a.split(' ')[0] as keyof typeof rank] - rank[b.split(' ')[0] as keyof typeof rank]);
  for (const key of keys) {
    const list = groups.get(key)!;
    const [severity, code] = key.split(' ');
    out += `\n${severity}: ${code} (${list.length})\n`;
    for (const f of list) out += findingLine(f);
  }
  if (s.images > 0) out += `\n${histogramText('Shorter side (px)', s.resolution)}\n${histogramText('Aspect (width:height)', s.aspect)}`;
  return out;
}
