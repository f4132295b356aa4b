// The Preview Dataset gallery's model on the host: a DatasetReport indexed once (findings by file), filtered to
// problems or one code, and cut into pages of view objects for the webview (src/shared/datasetProtocol.ts). Each
// request is linear in the number of images; the filtered list of the last filter is kept for paging through it.
import * as path from 'node:path';
import { isWithin } from '../util/pathContainment';
import type { DatasetFinding, DatasetReport, DatasetSource } from '../dataset/types';
import type { DatasetImageView, DatasetOverview, FindingView, GalleryFilter } from '../../shared/datasetProtocol';

/** Folder-level findings sent with the overview; the rest are counted (the Problems panel has them all). */
export const MAX_OTHER_FINDINGS = 300;

/** The folders a source's files are named relative to. */
export function sourceFolders(source: DatasetSource): string[] {
  if (source.kind === 'imagefolder') return [source.dir];
  if (source.kind === 'dreambooth') return source.classDir ? [source.instanceDir, source.classDir] : [source.instanceDir];
  return [];
}

/** `file` relative to the first folder holding it, else as it is. */
export function relativeName(folders: readonly string[], file: string): string {
  for (const dir of folders) {
    const rel = path.relative(dir, file);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return file;
}

export function findingView(f: DatasetFinding, folders: readonly string[], withFile = false): FindingView {
  return {
    code: f.code,
    severity: f.severity,
    message: f.message,
    ...(f.fix !== undefined ? { fix: f.fix } : {}),
    ...(f.line !== undefined ? { line: f.line } : {}),
    ...(withFile ? { file: relativeName(folders, f.file) } : {}),
  };
}

export interface GalleryOptions {
  title: string;
  target: string;
  centerCrop: boolean;
  randomFlip: boolean;
}

export interface GalleryPage {
  offset: number;
  total: number;
  items: DatasetImageView[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class DatasetGallery {
  private readonly folders: string[];
  /** Findings on each image, by its path (a duplicate's finding is on each copy). */
  private readonly byFile = new Map<string, DatasetFinding[]>();
  private readonly imageFiles = new Set<string>();
  private filtered: { key: string; indices: number[] } | undefined;
  /** metadata.jsonl findings shown on their image rather than with the dataset's own. */
  private readonly onImages = new Set<DatasetFinding>();

  constructor(
    readonly report: DatasetReport,
    private readonly options: GalleryOptions,
  ) {
    this.folders = sourceFolders(report.source);
    for (const img of report.images) this.imageFiles.add(img.file);
    const byLine = new Map<number, DatasetFinding[]>();
    for (const f of report.findings) {
      if (this.imageFiles.has(f.file)) push(this.byFile, f.file, f);
      else if (f.line !== undefined) push(byLine, f.line, f);
    }
    // A finding on an image's metadata.jsonl entry (an empty caption, a caption too long) is that image's too.
    for (const img of report.images) {
      if (img.captionLine === undefined) continue;
      for (const f of byLine.get(img.captionLine) ?? []) {
        if (img.codes.includes(f.code) && isWithin(path.dirname(f.file), img.file)) {
          push(this.byFile, img.file, f);
          this.onImages.add(f);
        }
      }
    }
  }

  overview(): DatasetOverview {
    const r = this.report;
    const counts = new Map<string, number>();
    for (const f of r.findings) counts.set(f.code, (counts.get(f.code) ?? 0) + 1);
    const other = r.findings.filter((f) => !this.imageFiles.has(f.file) && !this.onImages.has(f));
    return {
      title: this.options.title,
      target: this.options.target,
      resolution: r.resolution,
      centerCrop: this.options.centerCrop,
      randomFlip: this.options.randomFlip,
      images: r.summary.images,
      errors: r.summary.errors,
      warnings: r.summary.warnings,
      infos: r.summary.infos,
      cancelled: r.cancelled === true,
      resolutionHistogram: r.summary.resolution,
      aspectHistogram: r.summary.aspect,
      codeCounts: [...counts].map(([code, count]) => ({ code, count })).sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      otherFindings: other.slice(0, MAX_OTHER_FINDINGS).map((f) => findingView(f, this.folders, true)),
      otherFindingsLeftOut: Math.max(0, other.length - MAX_OTHER_FINDINGS),
    };
  }

  /** Indices of the images the filter lets through, in report order. */
  indices(filter: GalleryFilter): number[] {
    const key = `${filter.problemsOnly}/${filter.code ?? ''}`;
    if (this.filtered?.key === key) return this.filtered.indices;
    const indices: number[] = [];
    const images = this.report.images;
    for (let i = 0; i < images.length; i++) {
      const codes = images[i]!.codes;
      if (filter.code !== undefined ? codes.includes(filter.code as (typeof codes)[number]) : !filter.problemsOnly || codes.length > 0) indices.push(i);
    }
    this.filtered = { key, indices };
    return indices;
  }

  /** One page of the filtered gallery; an offset past the end gives the last page (the filter shrank it). */
  page(filter: GalleryFilter, offset: number, limit: number): GalleryPage {
    const indices = this.indices(filter);
    const total = indices.length;
    const size = Math.max(1, Math.floor(limit));
    const start = total === 0 ? 0 : Math.min(Math.max(0, Math.floor(offset / size) * size), Math.floor((total - 1) / size) * size);
    const items = indices.slice(start, start + size).map((i) => this.imageView(i));
    return { offset: start, total, items };
  }

  imageView(index: number): DatasetImageView {
    const img = this.report.images[index]!;
    return {
      index,
      name: relativeName(this.folders, img.file),
      role: img.role,
      caption: img.caption,
      ...(img.width !== undefined ? { width: img.width } : {}),
      ...(img.height !== undefined ? { height: img.height } : {}),
      ...(img.format !== undefined ? { format: img.format } : {}),
      ...(img.clipScore !== undefined ? { clipScore: img.clipScore } : {}),
      findings: (this.byFile.get(img.file) ?? []).map((f) => findingView(f, this.folders)),
    };
  }
}
