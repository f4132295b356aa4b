// Where each dataset finding goes in the Problems panel: a metadata.jsonl finding on its line, an image's on the image
// (whole file), and a finding on the dataset as a whole (a folder, a file that is not there, a Hub dataset) on the
// config's argument that names the dataset, when a config was checked.
import { isWithin } from '../util/pathContainment';
import type { DatasetFinding, DatasetReport } from '../dataset/types';
import { sourceFolders } from './datasetGallery';

export type FindingPlace =
  | { kind: 'line'; file: string; line: number }
  | { kind: 'file'; file: string }
  /** The config's `args.<dest>` key (the config names the dataset there). */
  | { kind: 'configArg'; dest: string };

export interface PlaceOptions {
  /** The checked config's `args`, when a config was checked (else folder-level findings stay on their folder). */
  configArgs?: Readonly<Record<string, unknown>>;
  /** Whether a path is an existing file (asked only of findings that are neither on an image nor on a line). */
  isFile(path: string): boolean;
}

/** The config argument that names the folder (or Hub dataset) a folder-level finding is about. */
function datasetArg(report: DatasetReport, f: DatasetFinding, args: Readonly<Record<string, unknown>>): string {
  const s = report.source;
  if (s.kind === 'hub' || 'dataset_name' in args) return 'dataset_name';
  if (s.kind === 'imagefolder') return 'train_data_dir';
  return s.classDir !== undefined && isWithin(s.classDir, f.file) ? 'class_data_dir' : 'instance_data_dir';
}

export function placeFindings(report: DatasetReport, options: PlaceOptions): { finding: DatasetFinding; place: FindingPlace }[] {
  const images = new Set<string>();
  for (const img of report.images) images.add(img.file);
  const folders = new Set(sourceFolders(report.source));
  return report.findings.map((finding) => {
    if (finding.line !== undefined) return { finding, place: { kind: 'line', file: finding.file, line: finding.line } };
    const folderLevel = report.source.kind === 'hub' || (!images.has(finding.file) && (folders.has(finding.file) || !options.isFile(finding.file)));
    if (folderLevel && options.configArgs) return { finding, place: { kind: 'configArg', dest: datasetArg(report, finding, options.configArgs) } };
    return { finding, place: { kind: 'file', file: finding.file } };
  });
}
