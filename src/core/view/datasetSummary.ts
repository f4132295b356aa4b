// "SDXL: Check Dataset"'s summary as Markdown: the counts in words, the findings per code, and the resolution and
// aspect histograms as text bars (a read-only document, like Check Environment's report).
import type { DatasetReport, Histogram } from '../dataset/types';
import { relativeName, sourceFolders } from './datasetGallery';

/** Findings listed by name per code; the rest are counted (the Problems panel lists them all). */
const LISTED_PER_CODE = 5;
const BAR_WIDTH = 30;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** "2 errors, 1 warning" or "no problems". */
export function findingCounts(report: DatasetReport): string {
  const s = report.summary;
  const parts = [s.errors > 0 && plural(s.errors, 'error'), s.warnings > 0 && plural(s.warnings, 'warning'), s.infos > 0 && plural(s.infos, 'note')].filter(
    (x): x is string => typeof x === 'string',
  );
  return parts.length === 0 ? 'no problems' : parts.join(', ');
}

function histogramLines(h: Histogram): string[] {
  let max = 0;
  for (const c of h.counts) if (c > max) max = c;
  const width = h.labels.reduce((w, l) => Math.max(w, l.length), 0);
  return h.labels.map((label, i) => {
    const n = h.counts[i] ?? 0;
    const bar = max === 0 ? '' : '█'.repeat(Math.round((n / max) * BAR_WIDTH)) || (n > 0 ? '▏' : '');
    return `${label.padEnd(width)} ${bar} ${n}`;
  });
}

function sourceLines(report: DatasetReport): string[] {
  const s = report.source;
  if (s.kind === 'imagefolder')
    return [`- train_data_dir: \`${s.dir}\` (image column \`${s.imageColumn}\`, caption column ${s.captionColumn ? `\`${s.captionColumn}\`` : 'none'})`];
  if (s.kind === 'dreambooth') return [`- instance_data_dir: \`${s.instanceDir}\``, ...(s.classDir ? [`- class_data_dir: \`${s.classDir}\``] : [])];
  return [`- dataset_name: \`${s.id}\` (Hub)`];
}

export function datasetSummaryMarkdown(report: DatasetReport, title: string): string {
  const folders = sourceFolders(report.source);
  const out = [`# Dataset check — ${title}`, ''];
  if (report.cancelled) out.push('> The check was cancelled part way: this covers the images checked until then.', '');
  out.push(...sourceLines(report), `- resolution: ${report.resolution}`, '');
  out.push(`**${plural(report.summary.images, 'image')}; ${findingCounts(report)}.**`, '');
  const byCode = new Map<string, DatasetReport['findings']>();
  for (const f of report.findings) {
    const list = byCode.get(f.code);
    if (list) list.push(f);
    else byCode.set(f.code, [f]);
  }
  if (byCode.size > 0) {
    out.push('## Findings', '');
    for (const [code, list] of [...byCode].sort((a, b) => b[1].length - a[1].length)) {
      out.push(`### \`${code}\` (${list.length}, ${list[0]!.severity})`, '');
      for (const f of list.slice(0, LISTED_PER_CODE)) {
        const where = `${relativeName(folders, f.file)}${f.line !== undefined ? `:${f.line}` : ''}`;
        out.push(`- \`${where}\`: ${f.message}${f.fix ? ` — ${f.fix}` : ''}`);
      }
      if (list.length > LISTED_PER_CODE) out.push(`- … and ${list.length - LISTED_PER_CODE} more (see the Problems panel)`);
      out.push('');
    }
  }
  out.push('## Shorter side', '', '```', ...histogramLines(report.summary.resolution), '```', '');
  out.push('## Aspect ratio (width:height)', '', '```', ...histogramLines(report.summary.aspect), '```', '');
  out.push('Run "SDXL: Preview Dataset" to see the images, their captions and their training crops.', '');
  return out.join('\n');
}
