// Everything a publish needs from a run, shared by the extension and the CLI: the run's kind, output_dir and script
// arguments (from its record, or guessed from a bare output_dir), the files to send and the card to write.
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ScriptKind } from '../scripts/kinds';
import type { ArgValue } from '../scripts/scriptTables';
import type { LaunchFacts } from '../supervisor/runRecord';
import { looksLikePath, modelCard } from './modelCard';
import { selectPublishFiles, type PublishSelection, type PublishSelectionError, type SampleImage } from './publishFiles';

export interface PublishRunFacts {
  /** The run's name as the user knows it. */
  name: string;
  kind: ScriptKind;
  outputDir: string;
  args: Readonly<Record<string, ArgValue>>;
  /** Where relative paths in the args are resolved. */
  cwd: string;
}

/** A run record's facts; undefined fields make an error that names the record. */
export function publishFactsOf(facts: LaunchFacts, name: string): PublishRunFacts | { error: string } {
  if (!facts.script) return { error: `run ${facts.id}: its record names no training script kind, so which files to publish is unknown` };
  if (!facts.outputDir) return { error: `run ${facts.id}: its record names no output_dir` };
  return { name, kind: facts.script, outputDir: facts.outputDir, args: facts.args, cwd: facts.cwd };
}

/** A bare output_dir (no record): a saved pipeline is a full fine-tune, anything else LoRA weights. */
export function outputDirFacts(outputDir: string): PublishRunFacts {
  const full = existsSync(resolve(outputDir, 'model_index.json'));
  return { name: outputDir.split(/[\\/]/).filter(Boolean).pop() ?? 'model', kind: full ? 'full' : 'lora', outputDir, args: {}, cwd: outputDir };
}

/** A value names something on this machine: it looks like a path, or exists relative to the run's folder. */
export function isLocalIn(cwd: string): (value: string) => boolean {
  return (v) => looksLikePath(v) || isAbsolute(v) || existsSync(resolve(cwd, v));
}

const IMAGE_EXT = /\.(png|jpe?g|webp|bmp)$/i;
/** A dataset folder bigger than this is counted as "more than": the card needs no exact count of a huge folder. */
const MAX_COUNT = 100_000;

/** How many images a local dataset folder holds at its top level (the scripts read no subfolders). */
export function localDatasetImages(f: PublishRunFacts): number | undefined {
  const dir = f.args.instance_data_dir ?? f.args.train_data_dir;
  if (typeof dir !== 'string' || typeof f.args.dataset_name === 'string') return undefined;
  try {
    let n = 0;
    for (const name of readdirSync(resolve(f.cwd, dir))) if (IMAGE_EXT.test(name) && ++n >= MAX_COUNT) break;
    return n;
  } catch {
    return undefined;
  }
}

/** A Hub repo name from a run's name: letters, digits, `-`, `_`, `.`; no `--`, nothing odd at the ends. */
export function repoNameOf(runName: string): string {
  const name = runName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 80)
    .replace(/[-._]+$/, '');
  return name || 'sdxl-model';
}

export interface PublishPlanInput {
  facts: PublishRunFacts;
  repoId: string;
  license?: string;
  includeCheckpoints?: boolean;
  images?: readonly SampleImage[];
  fromCheckpoint?: number;
  secrets?: readonly string[];
}

export type PublishPlan = { ok: true; selection: PublishSelection; card: string } | PublishSelectionError;

export async function planPublish(p: PublishPlanInput): Promise<PublishPlan> {
  const f = p.facts;
  const selection = await selectPublishFiles({
    kind: f.kind,
    outputDir: f.outputDir,
    ...(p.includeCheckpoints ? { includeCheckpoints: true } : {}),
    ...(p.images ? { images: p.images } : {}),
    ...(p.fromCheckpoint !== undefined ? { fromCheckpoint: p.fromCheckpoint } : {}),
  });
  if (!selection.ok) return selection;
  const datasetImages = localDatasetImages(f);
  const card = modelCard({
    repoId: p.repoId,
    kind: f.kind,
    runName: f.name,
    args: f.args,
    ...(p.license ? { license: p.license } : {}),
    images: selection.images,
    weights: selection.weights,
    checkpoints: selection.checkpoints,
    ...(datasetImages !== undefined ? { datasetImages } : {}),
    secrets: p.secrets ?? [],
    isLocal: isLocalIn(f.cwd),
  });
  return { ok: true, selection, card };
}
