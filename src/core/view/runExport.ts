// A run's metrics and validation images as files to take elsewhere: CSV or JSON with one row per step (every series
// the dashboard charts: seriesOf), and a folder of the validation images with readable names and an index. Plain
// Node, over the state `summarizePath` reads (the data of `run show --json`): the CLI's `run export` and the
// extension's export commands both call it.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { RunState } from '../run/state';
import { summarizePath, type SummaryState } from '../monitor/summarize';
import { redactorOf } from '../util/redact';
import { seriesPoints } from '../run/series';
import { validationStep } from '../run/clipScores';
import { imageKeyOf } from '../worker/clipScoreFile';
import { epochNumber } from '../../shared/epochs';
import { RunMonitor } from '../monitor/runMonitor';
import { seriesOf } from './dashboardModel';
import { readLabels, type RunLabels } from '../supervisor/runLabels';
import { STEP_TIME_SERIES } from '../../shared/dashboardProtocol';

/** What the JSON export says about the run besides its series. */
export interface RunFacts {
  id: string;
  /** The name the user gave the run (labels.json), else the record's (the config's). */
  name: string;
  tags: string[];
  note: string | null;
  script: string | null;
  /** The config's arguments as launched (secrets masked by the caller's redaction of the whole text). */
  args: Readonly<Record<string, unknown>> | null;
  outcome: SummaryState;
  step: number | null;
  totalSteps: number | null;
  /** Counted from 1, as every view shows it. */
  epoch: number | null;
  startedAt: string | null;
  endedAt: string | null;
  outputDir: string | null;
  checkpoints: Array<{ step: number; complete: boolean; path: string }>;
  failure: { class: string; message: string } | null;
}

export interface MetricsRow {
  step: number;
  /** ISO 8601 wall time of the step, where an event file logged one (the console has none). */
  wallTime: string | null;
  /** By column, null where that series has no value at this step. */
  values: Array<number | null>;
}

export interface MetricsTable {
  /** Series names, in the dashboard's order (losses, lr, s/it, other event scalars, CLIP scores). */
  columns: string[];
  rows: MetricsRow[];
}

/** Every non-empty series of the run, one row per step that any of them has, in step order. */
export function metricsTable(state: RunState): MetricsTable {
  const columns: string[] = [];
  const byStep = new Map<number, MetricsRow>();
  const all = Object.entries(seriesOf(state));
  for (const [name, series] of all) {
    // The charts' step → clock map (wall ms, or ms since the bar's start), not a metric: wall_time says the time.
    if (name === STEP_TIME_SERIES) continue;
    const points = seriesPoints(series);
    if (points.length === 0) continue;
    const col = columns.length;
    columns.push(name);
    for (const p of points) {
      let row = byStep.get(p.step);
      if (!row) {
        row = { step: p.step, wallTime: null, values: [] };
        byStep.set(p.step, row);
      }
      row.values[col] = p.value;
      // Event files give seconds since the epoch; the first series that knows a step's time names it.
      if (row.wallTime === null && p.wallTime !== undefined && Number.isFinite(p.wallTime)) row.wallTime = new Date(p.wallTime * 1000).toISOString();
    }
  }
  const rows = Array.from(byStep.values()).sort((a, b) => a.step - b.step);
  for (const r of rows) for (let i = 0; i < columns.length; i++) if (r.values[i] === undefined) r.values[i] = null;
  return { columns, rows };
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** `step,wall_time,<series…>`: a number as JavaScript prints it (NaN and Infinity as such), empty where unknown. */
export function metricsCsv(table: MetricsTable): string {
  const lines = [['step', 'wall_time', ...table.columns].map(csvField).join(',')];
  for (const r of table.rows) lines.push([String(r.step), r.wallTime ?? '', ...r.values.map((v) => (v === null ? '' : String(v)))].join(','));
  return lines.join('\n') + '\n';
}

/** JSON cannot hold NaN or Infinity: those go as strings ("NaN" says the loss diverged, which null would hide). */
function jsonNumber(v: number | null): number | string | null {
  return v === null || Number.isFinite(v) ? v : String(v);
}

/** `{ run: facts, columns, rows: [{ step, wall_time, <series>: value }] }`. */
export function metricsJson(facts: RunFacts, table: MetricsTable): string {
  const rows = table.rows.map((r) => {
    const row: Record<string, number | string | null> = { step: r.step, wall_time: r.wallTime };
    table.columns.forEach((c, i) => (row[c] = jsonNumber(r.values[i] ?? null)));
    return row;
  });
  return JSON.stringify({ run: facts, columns: ['step', 'wall_time', ...table.columns], rows }, null, 2) + '\n';
}

/** One validation or test image as exported. */
export interface ExportedImage {
  /** The cut image's path in the run's image cache (`.sdxl/images/<id>/…`). */
  source: string;
  /** Its name in the export folder. */
  file: string;
  tag: string;
  /** Global step of the validation, when known. */
  step: number | null;
  /** Counted from 1. */
  epoch: number;
  /** The scripts have one validation prompt; 0 until a run logs several. */
  prompt: number;
  /** Position among that validation's images. */
  index: number;
  clipScore: number | null;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function safeTag(tag: string): string {
  return tag.replace(/[^\w.-]+/g, '_').slice(0, 40) || 'image';
}

/**
 * The run's cut images with their export names, `step-000500_epoch-03_prompt-0_img-1.png` (`test_…` for the final
 * test images, another tag likewise); a name repeated (a resumed run logging a step again) gets `-2`, `-3`. Images
 * known only by reference (a summary does not cut grids) are left out: `skipped` names them.
 */
export function exportedImages(state: RunState): { images: ExportedImage[]; skipped: string[] } {
  const scores = new Map<string, number>();
  for (const s of state.clip.scores) scores.set(s.key, s.score);
  const images: ExportedImage[] = [];
  const skipped: string[] = [];
  const used = new Set<string>();
  for (const entry of state.validation.entries) {
    const step = validationStep(state, entry.tag, entry.epoch) ?? null;
    entry.images.forEach((img, index) => {
      if (!isAbsolute(img.ref) || !/\.png$/i.test(img.ref)) {
        skipped.push(img.ref);
        return;
      }
      const prefix = entry.tag === 'validation' ? '' : `${safeTag(entry.tag)}_`;
      const base = `${prefix}step-${step === null ? 'unknown' : pad(step, 6)}_epoch-${pad(epochNumber(entry.epoch), 2)}_prompt-0_img-${index}`;
      let file = `${base}.png`;
      for (let n = 2; used.has(file); n++) file = `${base}-${n}.png`;
      used.add(file);
      const key = imageKeyOf(img.ref);
      images.push({
        source: img.ref,
        file,
        tag: entry.tag,
        step,
        epoch: epochNumber(entry.epoch),
        prompt: 0,
        index,
        clipScore: (key ? scores.get(key) : undefined) ?? null,
      });
    });
  }
  return { images, skipped };
}

/** `index.csv`: file, tag, step, epoch, prompt, index, clip_score. */
export function imageIndexCsv(images: readonly ExportedImage[]): string {
  const lines = ['file,tag,step,epoch,prompt,index,clip_score'];
  for (const i of images) lines.push([csvField(i.file), csvField(i.tag), i.step ?? '', i.epoch, i.prompt, i.index, i.clipScore ?? ''].join(','));
  return lines.join('\n') + '\n';
}

export interface ImageExportResult {
  copied: ExportedImage[];
  /** References and files that could not be copied, with why. */
  skipped: string[];
}

/** Copies the run's cut images into `dir` (created) with their export names, then writes index.csv and index.json. */
export async function exportValidationImages(state: RunState, dir: string): Promise<ImageExportResult> {
  const { images, skipped } = exportedImages(state);
  const notes = skipped.map((ref) => `${ref}: not a cut image file (open the run in VS Code or use \`run export\` on its record)`);
  await mkdir(dir, { recursive: true });
  const copied: ExportedImage[] = [];
  for (const img of images) {
    try {
      await copyFile(img.source, join(dir, img.file));
      copied.push(img);
    } catch (e) {
      notes.push(`${img.source}: ${(e as NodeJS.ErrnoException).code ?? 'cannot copy'}`);
    }
  }
  await writeFile(join(dir, 'index.csv'), imageIndexCsv(copied));
  const index = copied.map(({ file, tag, step, epoch, prompt, index: i, clipScore }) => ({ file, tag, step, epoch, prompt, index: i, clipScore }));
  await writeFile(join(dir, 'index.json'), JSON.stringify(index, null, 2) + '\n');
  return { copied, skipped: notes };
}

/** The facts the JSON export carries, from the record's name and times and the state summarizePath read. */
export function runFactsOf(
  run: { id: string; name: string; startedAt?: string | undefined; endedAt?: string | undefined; labels?: RunLabels },
  state: RunState,
  outcome: SummaryState,
): RunFacts {
  return {
    id: run.id,
    name: run.labels?.name ?? run.name,
    tags: run.labels?.tags ?? [],
    note: run.labels?.note ?? null,
    script: state.script,
    args: state.args,
    outcome,
    step: state.step,
    totalSteps: state.totalSteps,
    epoch: state.epoch === null ? null : epochNumber(state.epoch),
    startedAt: run.startedAt ?? null,
    endedAt: run.endedAt ?? null,
    outputDir: state.outputDir,
    checkpoints: state.checkpoints.map((c) => ({ step: c.step, complete: c.complete, path: c.path })),
    failure: state.failure ? { class: state.failure.class, message: state.failure.message } : null,
  };
}

/**
 * A record folder read once as the monitor reads it, grids cut into `imageCacheDir` (`.sdxl/images`) as the extension
 * does: what the image export copies when no window has followed the run (summarizePath names images without cutting).
 */
export async function readRunWithImages(recordDir: string, imageCacheDir: string, secrets: readonly string[]): Promise<RunState> {
  return new RunMonitor({ recordDir, imageCacheDir, secrets }).readOnce();
}

export interface ExportTargets {
  csv?: string;
  json?: string;
  /** A folder for the validation images and their index. */
  images?: string;
}

export interface ExportRun {
  id: string;
  name: string;
  /** The record folder (`.sdxl/runs/<id>`). */
  dir: string;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
}

/**
 * Writes what `targets` asks for, all from one read of the record: metrics through summarizePath (as `run show`), the
 * images from `imageState` (the extension's live state, its images already cut) or a read that cuts them into
 * `imageCacheDir`. Every text written is masked with the run's known secrets (its args may quote a token).
 */
export async function exportRun(
  run: ExportRun,
  targets: ExportTargets,
  opts: { secrets: readonly string[]; imageCacheDir: string; imageState?: RunState },
): Promise<{ written: string[]; notes: string[]; images?: ImageExportResult }> {
  const redact = redactorOf(opts.secrets);
  const written: string[] = [];
  const notes: string[] = [];
  if (targets.csv !== undefined || targets.json !== undefined) {
    const result = await summarizePath(run.dir, { secrets: opts.secrets });
    notes.push(...result.notes);
    const table = metricsTable(result.state);
    if (targets.csv !== undefined) {
      await writeFile(targets.csv, redact(metricsCsv(table)));
      written.push(targets.csv);
    }
    if (targets.json !== undefined) {
      // A rename, note or tags (labels.json) name the run as every other view does; a broken file is no labels.
      const { labels } = await readLabels(run.dir);
      await writeFile(targets.json, redact(metricsJson(runFactsOf({ ...run, labels }, result.state, result.summary.state), table)));
      written.push(targets.json);
    }
  }
  let images: ImageExportResult | undefined;
  if (targets.images !== undefined) {
    const state = opts.imageState ?? (await readRunWithImages(run.dir, opts.imageCacheDir, opts.secrets));
    images = await exportValidationImages(state, targets.images);
    notes.push(...images.skipped);
    written.push(targets.images);
  }
  return { written, notes, ...(images ? { images } : {}) };
}
