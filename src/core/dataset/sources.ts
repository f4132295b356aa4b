// Which images a config trains on (its DatasetSource), resolved where the run resolves it, and what a bare folder
// given to the CLI is. The rules follow the scripts (diffusers v0.27.2):
//  - full / lora: `--dataset_name` first (a local folder or a Hub id, decided like load_dataset: hubRefs
//    classifyRef), else `--train_data_dir` as an imagefolder.
//  - dreambooth-lora: `--dataset_name` the same way, else `--instance_data_dir` (DreamBooth folder), with
//    `--class_data_dir` only under `--with_prior_preservation`.
// Relative paths are taken against the launch's working folder (hubRefs runPathOf), as the script takes them.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SdxlConfig } from '../config/config';
import { classifyRef, runPathOf } from '../hub/hubRefs';
import { SCRIPTS } from '../scripts/scriptTables';
import { walkImagefolder } from './enumerate';
import type { DatasetSource } from './types';

export interface ConfigDataset {
  source: DatasetSource;
  resolution: number;
  centerCrop: boolean;
  randomFlip: boolean;
}

/** Whether `path` is a folder (undefined for no path), as the Hub-or-path rule needs it. */
export function isDir(path: string | undefined): boolean | undefined {
  if (path === undefined) return undefined;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The config's dataset, or why there is none (a sentence naming the argument). */
export function datasetOfConfig(config: SdxlConfig, configPath: string | undefined): ConfigDataset | { error: string } {
  const info = SCRIPTS[config.script];
  const args = (typeof config.args === 'object' && config.args !== null ? config.args : {}) as Record<string, unknown>;
  const given = (dest: string): unknown => (dest in args ? args[dest] : (info.byDest.get(dest)?.default ?? undefined));
  const str = (dest: string): string | undefined => {
    const v = given(dest);
    return typeof v === 'string' && v.trim() !== '' ? v : undefined;
  };
  const resolutionValue = Number(given('resolution'));
  const resolution = Number.isInteger(resolutionValue) && resolutionValue > 0 ? resolutionValue : 1024;
  const common = { resolution, centerCrop: given('center_crop') === true, randomFlip: given('random_flip') === true };
  const imageColumn = str('image_column') ?? 'image';
  const captionColumn = str('caption_column') ?? null;
  const path = (dest: string, value: string): string | { error: string } =>
    runPathOf(config, configPath, value) ?? { error: `args.${dest} ${JSON.stringify(value)} is relative and the config's folder is not known` };

  const datasetName = str('dataset_name');
  if (datasetName !== undefined) {
    const abs = runPathOf(config, configPath, datasetName);
    const ref = classifyRef(datasetName, isDir(abs));
    if (ref.kind === 'hub') return { ...common, source: { kind: 'hub', id: ref.id, imageColumn, captionColumn } };
    const dir = path('dataset_name', datasetName);
    if (typeof dir !== 'string') return dir;
    return { ...common, source: { kind: 'imagefolder', dir, imageColumn, captionColumn } };
  }
  if (config.script === 'dreambooth-lora') {
    const instance = str('instance_data_dir');
    if (instance === undefined) return { error: 'args.instance_data_dir (or args.dataset_name) is not set: the config names no training images' };
    const instanceDir = path('instance_data_dir', instance);
    if (typeof instanceDir !== 'string') return instanceDir;
    const source: DatasetSource = { kind: 'dreambooth', instanceDir };
    const instancePrompt = str('instance_prompt');
    if (instancePrompt !== undefined) source.instancePrompt = instancePrompt;
    const classData = str('class_data_dir');
    if (given('with_prior_preservation') === true && classData !== undefined) {
      const classDir = path('class_data_dir', classData);
      if (typeof classDir !== 'string') return classDir;
      source.classDir = classDir;
      const classPrompt = str('class_prompt');
      if (classPrompt !== undefined) source.classPrompt = classPrompt;
    }
    return { ...common, source };
  }
  const train = str('train_data_dir');
  if (train === undefined) return { error: 'args.train_data_dir (or args.dataset_name) is not set: the config names no training images' };
  const dir = path('train_data_dir', train);
  if (typeof dir !== 'string') return dir;
  return { ...common, source: { kind: 'imagefolder', dir, imageColumn, captionColumn } };
}

/**
 * A folder given on its own (the CLI's PATH): an imagefolder when a metadata.jsonl lies anywhere in its tree (where
 * imagefolder looks for one), else a DreamBooth instance folder. Default columns `image` and `text`.
 */
export async function sourceOfFolder(dir: string): Promise<DatasetSource> {
  if (existsSync(join(dir, 'metadata.jsonl'))) return { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' };
  for await (const entry of walkImagefolder(dir)) {
    if (entry.kind === 'file' && entry.path.endsWith('metadata.jsonl') && /[\\/]metadata\.jsonl$/.test(entry.path)) {
      return { kind: 'imagefolder', dir, imageColumn: 'image', captionColumn: 'text' };
    }
  }
  return { kind: 'dreambooth', instanceDir: dir };
}
