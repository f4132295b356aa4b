// The dataset check's vocabulary: what a source is, what an image and a finding are, and the report the CLI, the
// Problems panel, the summary and the Preview Dataset gallery all read. Plain data (JSON-safe), so the CLI can print
// it and the extension can post it to a webview as it is.

/** Where the script reads its training images from (docs/worker-formats.md, dataset input). */
export type DatasetSource =
  /** `--train_data_dir`: an imagefolder, captions in a `metadata.jsonl` in that tree. */
  | { kind: 'imagefolder'; dir: string; imageColumn: string; captionColumn: string | null }
  /** DreamBooth `--instance_data_dir` (and `--class_data_dir`): every file in the folder is opened as an image. */
  | { kind: 'dreambooth'; instanceDir: string; classDir?: string; instancePrompt?: string; classPrompt?: string }
  /** `--dataset_name` naming a Hub dataset: checked from its file listing only. */
  | { kind: 'hub'; id: string; imageColumn: string; captionColumn: string | null };

/** Which folder of the source an image belongs to. */
export type DatasetRole = 'train' | 'instance' | 'class';

export type DatasetSeverity = 'error' | 'warning' | 'info';

/** Finding codes; the CLI prints them and tests match on them, so they never change meaning. */
export type DatasetFindingCode =
  | 'corrupt-image'
  | 'not-an-image'
  | 'unsupported-format'
  | 'too-small'
  | 'too-large'
  | 'crop-loss'
  | 'duplicate'
  | 'outside-folder'
  | 'missing-metadata'
  | 'metadata-bad-line'
  | 'metadata-missing-file'
  | 'no-metadata-entry'
  | 'no-caption'
  | 'caption-too-long'
  | 'column-mismatch'
  | 'no-images'
  | 'low-clip-score'
  /** Image–caption scoring could not run or stopped (no CLIP model, a declined download, an unreadable image). */
  | 'clip-unavailable'
  | 'hub-dataset';

export interface DatasetFinding {
  code: DatasetFindingCode;
  severity: DatasetSeverity;
  /** Absolute path of the file concerned (an image, metadata.jsonl, a folder). */
  file: string;
  /** 1-based line, for metadata.jsonl findings. */
  line?: number;
  message: string;
  /** What to do about it, in words. */
  fix?: string;
  /** Other files involved (the other copies of a duplicate). */
  related?: string[];
}

/** One image the script would train on, as far as the check learned it. */
export interface DatasetImage {
  /** Absolute path. */
  file: string;
  role: DatasetRole;
  width?: number;
  height?: number;
  /** sharp's format name (`png`, `jpeg`, `webp`, …). */
  format?: string;
  /** The caption the script would use: the metadata entry's, or the DreamBooth prompt; null when none. */
  caption: string | null;
  /** metadata.jsonl line of its entry (1-based). */
  captionLine?: number;
  /** The metadata.jsonl that line is in (a finding on the caption goes there, as an empty caption's does). */
  captionFile?: string;
  /** Codes of the findings on this image, so the gallery can filter to problems without a join. */
  codes: DatasetFindingCode[];
  /** CLIP score of the image against its caption (ClipScore, 0–100), when a scorer was given. */
  clipScore?: number;
}

export interface Histogram {
  /** Bucket labels (`<512`, `512–767`, …; `1:1`, `4:3`, …) in display order. */
  labels: string[];
  counts: number[];
}

export interface DatasetSummary {
  images: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Shorter side of each readable image, bucketed. */
  resolution: Histogram;
  /** Width:height, bucketed to the common ratios. */
  aspect: Histogram;
}

export interface DatasetReport {
  source: DatasetSource;
  /** The training resolution the checks used (the config's `resolution`, else the script's default). */
  resolution: number;
  images: DatasetImage[];
  findings: DatasetFinding[];
  summary: DatasetSummary;
  /** True when the check was cancelled part way: the report covers what was checked. */
  cancelled?: boolean;
}

/** The training crop of one image, exactly as the script computes it (shorter side to `resolution`, then crop). */
export interface TrainingCrop {
  /** Size after the resize, before the crop. */
  resizedWidth: number;
  resizedHeight: number;
  /** The crop box in the resized (possibly flipped) frame. */
  left: number;
  top: number;
  size: number;
  flipped: boolean;
  /** SDXL's size conditioning: `original_size` = (height, width) before resizing, `crops_coords_top_left` = (top, left). */
  originalSize: [number, number];
  cropsCoordsTopLeft: [number, number];
  /** Fraction of the resized image's area the crop keeps (1 for a square image). */
  keptFraction: number;
}
