// What the download says before it starts and while it runs (the extension's notification, the CLI's lines).
import { bytesText } from './downloadErrors';
import type { DownloadProgress } from './download';
import type { DownloadPlan } from './downloadPlan';

/** "18 files, 6.9 GB (2 files, 1.0 kB already in the cache) of org/model + org/vae into /cache" */
export function planSummary(plan: DownloadPlan): string {
  const repos = [...new Set(plan.files.map((f) => f.repo))].join(' + ');
  const cached = plan.files.filter((f) => f.cached);
  const inCache = cached.length === 0 ? '' : ` (${cached.length === plan.files.length ? 'all' : cached.length} already in the cache)`;
  const free = plan.freeBytes === undefined ? '' : `; ${bytesText(plan.freeBytes)} free there`;
  const n = plan.files.length;
  return `${n} file${n === 1 ? '' : 's'}, ${bytesText(plan.totalBytes)}${inCache} of ${repos} into ${plan.cacheDir}${free}`;
}

/** The question before a download; "for lora.sdxl.json" only when a config asked (not when the id was typed). */
export function downloadQuestion(model: string, variant: string | undefined, source: string): string {
  return `Download ${model}${variant ? ` (variant ${variant})` : ''}${source !== model ? ` for ${source}` : ''}?`;
}

/**
 * The word after: which repos, where, how much. Not planSummary, whose "(all already in the cache)" and free space
 * read twice over in "is already in the cache (… already in the cache …)".
 */
export function downloadDoneText(plan: DownloadPlan, already: boolean): string {
  const repos = [...new Set(plan.files.map((f) => f.repo))].join(' + ');
  const n = plan.files.length;
  const what = `${n} file${n === 1 ? '' : 's'}, ${bytesText(plan.totalBytes)}`;
  return already
    ? `${repos} is already in the Hugging Face cache ${plan.cacheDir} (${what}).`
    : `Downloaded ${repos} into the Hugging Face cache ${plan.cacheDir} (${what}).`;
}

/** "unet/diffusion_pytorch_model.safetensors 1.2 GB / 5.1 GB — 3.4 GB / 6.9 GB in all (12 of 18 files)" */
export function progressText(p: DownloadProgress): string {
  const all = `${bytesText(p.doneBytes)} / ${bytesText(p.totalBytes)} in all (${p.filesDone} of ${p.fileCount} files)`;
  if (!p.file) return all;
  const name = p.file.slice(p.file.indexOf(': ') + 2);
  return `${name} ${bytesText(p.fileBytes)} / ${bytesText(p.fileSize)} — ${all}`;
}
