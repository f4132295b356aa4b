// A sample job's row under its run in the Runs view: "Samples", its shape and progress (core/generate/
// sampleQuestions.ts jobRowDescription), a state icon, and the context value its menu items key on.
import * as vscode from 'vscode';
import type { GenerationState, GenerationStatus } from '../../core/generate/types';
import { jobRowDescription, jobTitle } from '../../core/generate/sampleQuestions';
import { isGenerationEnded } from '../../core/generate/state';

const ICONS: Record<GenerationStatus, [string, string?]> = {
  starting: ['sync~spin'],
  loading: ['sync~spin'],
  generating: ['sync~spin'],
  succeeded: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  stopped: ['debug-stop'],
};

/** `sdxlSamples.live` while it runs (Stop Generation), `sdxlSamples.ended` after (Delete Samples). */
export function sampleContextValue(status: GenerationStatus): string {
  return isGenerationEnded(status) ? 'sdxlSamples.ended' : 'sdxlSamples.live';
}

export function sampleJobItem(job: GenerationState | undefined, jobId: string): vscode.TreeItem {
  if (!job) return new vscode.TreeItem('(gone)');
  const item = new vscode.TreeItem(jobTitle(job), vscode.TreeItemCollapsibleState.None);
  item.id = `samples:${jobId}`;
  item.description = jobRowDescription(job);
  const [icon, color] = ICONS[job.status];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = sampleContextValue(job.status);
  // Prompts, paths and errors come from the job's files: added as text, never as Markdown.
  const tip = new vscode.MarkdownString();
  tip.appendMarkdown('**Samples** ').appendText(`(${jobId}) · ${job.status}`);
  if (job.settings)
    tip.appendMarkdown('\n\n').appendText(`sources: ${job.settings.sources.map((s) => s.label).join(', ')}\n\nprompts: ${job.settings.prompts.join(' | ')}`);
  if (job.device) tip.appendMarkdown('\n\n').appendText(`device: ${job.device}${job.dtype ? ` (${job.dtype})` : ''}`);
  tip.appendMarkdown('\n\n').appendText(`folder: ${job.outputDir}`);
  if (job.error) tip.appendMarkdown('\n\n**failed**: ').appendText(job.error);
  item.tooltip = tip;
  item.command = { command: 'sdxl.compareSamples', title: 'Open Comparison', arguments: [jobId] };
  return item;
}
