// `events FILE_OR_DIR [--json]`: what the TensorBoard event files of a run contain, read the way the monitor reads them.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { decodeEvent } from '../core/events/event';
import { findEventFiles, gaveUpMessage } from '../core/events/eventDir';
import { addSkips, noSkips, scanRecords, START, withFileSource } from '../core/events/tfrecord';
import { parseFlags, UsageError, type CliIo } from './io';
import { errText } from '../core/util/errText';

export interface EventsReport {
  /** tag → [step, value, wallTime] in file order (files ordered by their name's timestamp). Steps can repeat after a resume. */
  scalars: Record<string, [number, number, number][]>;
  images: { tag: string; step: number; width: number; height: number; bytes: number }[];
  records: number;
  /** `badCrc` includes records over the size cap, which are skipped unread. */
  skipped: { badCrc: number; truncated: number };
}

export async function eventsCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  for (const name of flags.keys()) if (name !== 'json') throw new UsageError(`unknown option --${name}`);
  if (positional.length !== 1) throw new UsageError('usage: events FILE_OR_DIR [--json]');
  const target = resolve(io.cwd, positional[0]!);
  try {
    await stat(target);
  } catch {
    throw new Error(`${target}: no such file or directory`);
  }
  const files = await findEventFiles(target);
  if (files.length === 0) io.err(`sdxl-trainer events: no events.out.tfevents.* files under ${target}\n`);

  // Plain output keeps a few numbers per tag; only --json, which prints every point, holds them all.
  const json = flags.has('json');
  const report: EventsReport = { scalars: {}, images: [], records: 0, skipped: { badCrc: 0, truncated: 0 } };
  const stats = new Map<string, ScalarStats>();
  const skipped = noSkips();
  for (const file of files) {
    try {
      const r = await withFileSource(file, (src) =>
        scanRecords(src, START, { final: true }, (payload, offset) => {
          const d = decodeEvent(payload);
          if (!d.ok) {
            io.err(`sdxl-trainer events: ${file} at byte ${offset}: ${d.error}\n`);
            return;
          }
          const { step, wallTime } = d.event;
          for (const v of d.event.values) {
            if (v.kind === 'scalar') {
              if (json) (report.scalars[v.tag] ??= []).push([step, v.value, wallTime]);
              else addScalar(stats, v.tag, step, v.value);
            } else if (v.kind === 'image') report.images.push({ tag: v.tag, step, width: v.width, height: v.height, bytes: v.encoded.length });
          }
        }),
      );
      report.records += r.records;
      addSkips(skipped, r.skipped);
      if (r.gaveUp) io.err(`sdxl-trainer events: ${gaveUpMessage(file, r.gaveUp, undefined, true)}\n`);
    } catch (e) {
      io.err(`sdxl-trainer events: cannot read ${file}: ${errText(e)}\n`);
    }
  }
  report.skipped = { badCrc: skipped.badCrc + skipped.oversized, truncated: skipped.truncated };

  if (json) {
    io.out(JSON.stringify(report) + '\n');
    return 0;
  }
  io.out(`${files.length} event file(s), ${report.records} record(s)\n`);
  for (const f of files) io.out(`  ${f}\n`);
  for (const [tag, s] of stats) {
    io.out(`scalar ${tag}: ${s.count} point(s), steps ${s.minStep}–${s.maxStep}, last ${s.lastValue} at step ${s.lastStep}\n`);
  }
  for (const im of report.images) io.out(`image ${im.tag} step ${im.step}: ${im.width}×${im.height}, ${im.bytes} bytes\n`);
  if (report.skipped.badCrc || report.skipped.truncated) {
    io.out(`skipped: ${report.skipped.badCrc} corrupt, ${report.skipped.truncated} truncated\n`);
  }
  return 0;
}

interface ScalarStats {
  count: number;
  minStep: number;
  maxStep: number;
  lastStep: number;
  lastValue: number;
}

/** One more point of a tag, in file order. A running min/max: a tag can have millions of points. */
function addScalar(stats: Map<string, ScalarStats>, tag: string, step: number, value: number): void {
  const s = stats.get(tag);
  if (!s) {
    stats.set(tag, { count: 1, minStep: step, maxStep: step, lastStep: step, lastValue: value });
    return;
  }
  s.count++;
  if (step < s.minStep) s.minStep = step;
  if (step > s.maxStep) s.maxStep = step;
  s.lastStep = step;
  s.lastValue = value;
}
