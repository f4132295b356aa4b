// `sdxl-trainer summarize PATH [--json]`: the state of a run from its files (run record folder, output_dir, or console log).
import { resolve } from 'node:path';
import { summarizePath, type RunSummary } from '../core/monitor/summarize';
import { failureTitle } from '../core/run/failure';
import { countOf, formatDuration, formatSpeed, type SpeedUnit } from '../core/view/format';
import { envSecrets } from '../core/util/redact';
import { parseFlags, UsageError, type CliIo } from './io';

export async function summarizeCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  for (const name of flags.keys()) if (name !== 'json') throw new UsageError(`unknown option --${name}`);
  if (positional.length !== 1) throw new UsageError('usage: summarize PATH [--json] (PATH: run record folder, output_dir or console log)');
  // This process's own secrets (HF_TOKEN, …) are masked too: the run inherited them from a shell like this one.
  const result = await summarizePath(resolve(io.cwd, positional[0]!), { secrets: envSecrets(process.env) });
  if (flags.has('json')) io.out(JSON.stringify(result.summary) + '\n');
  else io.out(summaryText(result.summary, result.source));
  for (const note of result.notes) io.err(`note: ${note}\n`);
  return 0;
}

/** The text form of a summary (also `run show`'s). */
export function summaryText(s: RunSummary, source: string, unit: SpeedUnit = 'auto'): string {
  const fmt = (v: number | null) => (v === null ? '?' : String(v));
  const lines = [
    `script:      ${s.script ?? 'unknown'} (from ${source === 'record' ? 'run record' : source === 'outputDir' ? 'output_dir' : 'console log'})`,
    `state:       ${s.state}`,
    `step:        ${fmt(s.step)} / ${fmt(s.totalSteps)}${s.epoch !== null ? `  (epoch ${s.epoch}${s.totalEpochs ? `/${s.totalEpochs}` : ''})` : ''}`,
    `loss:        ${fmt(s.stepLoss)}    lr: ${fmt(s.lr)}`,
    `checkpoints: ${s.checkpoints.length ? s.checkpoints.map((c) => `${c.step}${c.complete ? '' : ' (incomplete)'}`).join(', ') : 'none'}`,
  ];
  if (s.failure) {
    lines.push(`failure:     ${failureTitle(s.failure.class)} (${s.failure.class}): ${s.failure.message}`, `remedy:      ${s.failure.remedy}`);
    if (s.failure.configKey) lines.push(`config key:  ${s.failure.configKey}`);
  }
  const t = s.time;
  const dur = (v: number | null) => (v === null ? '?' : formatDuration(v));
  const clock = [t.startedAt ? `started ${t.startedAt}` : '', t.durationSec !== null ? `${t.endedAt ? 'took' : 'elapsed'} ${dur(t.durationSec)}` : ''];
  if (clock.some(Boolean)) lines.push(`time:        ${clock.filter(Boolean).join(', ')}`);
  if (t.avgSecPerStep !== null)
    lines.push(
      `speed:       ${formatSpeed(t.avgSecPerStep, unit)} average, ${formatSpeed(t.recentSecPerStep, unit)} recent (validations and saves left out)${t.etaSec !== null ? `; ETA ${dur(t.etaSec)}` : ''}`,
    );
  if (t.validations.count || t.checkpointSaves.count)
    lines.push(
      `pauses:      ${countOf(t.validations.count, 'validation')} ${dur(t.validations.pauseSec)}, ${countOf(t.checkpointSaves.count, 'save')} ${dur(t.checkpointSaves.pauseSec)}`,
    );
  if (s.clip) {
    const shown = s.clip.validations.map((v) => `${v.tag === 'test' ? 'test' : v.step !== null ? `step ${v.step}` : `epoch ${v.epoch}`} ${v.mean.toFixed(1)}`);
    lines.push(`CLIP score:  ${shown.join(', ')} (mean per validation; ${s.clip.model})`);
    if (s.clip.drop) lines.push(`warning:     ${s.clip.drop}`);
  }
  return lines.join('\n') + '\n';
}
