// The shape of a run, to compare the stand-in trainer with the real script: which kinds of console lines come in
// which order, which files and folders output_dir holds, which tags of which kind the event files carry. Values
// (losses, times, paths, sizes) are left out: only what the parsers key on.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { decodeEvent } from '../../src/core/events/event';
import { findEventFiles } from '../../src/core/events/eventDir';
import { readRecordsFromBuffer } from '../../src/core/events/tfrecord';
import { listing } from './realWorker';

/** What the parsers look for, by the first pattern a piece of a line matches. */
const KINDS: Array<[string, RegExp]> = [
  ['distributed-banner', /Distributed environment: /],
  ['banner-field', /^(Num processes|Process index|Local process index|Device|Mixed precision type): /],
  ['running-training', /\*\*\*\*\* Running training \*\*\*\*\*/],
  [
    'training-field',
    / - INFO - __main__ - +(Num examples|Num batches each epoch|Num Epochs|Instantaneous batch size per device|Total train batch size \(w\. parallel, distributed & accumulation\)|Gradient Accumulation steps|Total optimization steps) = \d+$/,
  ],
  ['steps-bar', /^Steps: +\d+%\|/],
  ['checkpoints-exist', / - INFO - __main__ - \d+ checkpoints already exist, removing \d+ checkpoints$/],
  ['checkpoints-removing', / - INFO - __main__ - removing checkpoints: checkpoint-\d+/],
  ['saving-state', / - INFO - accelerate\.accelerator - Saving current state to \S*checkpoint-\d+$/],
  ['checkpoint-weights', /^Model weights saved in \S*checkpoint-\d+\/pytorch_lora_weights\.safetensors$/],
  ['state-file', / - INFO - accelerate\.checkpointing - .* saved in \S*checkpoint-\d+\/\S+$/],
  ['saved-state', / - INFO - __main__ - Saved state to \S*checkpoint-\d+$/],
  ['final-weights', /^Model weights saved in \S*pytorch_lora_weights\.safetensors$/],
  ['loading-pipeline', /^Loading pipeline components\.\.\.: +\d+%\|/],
  ['running-validation', / - INFO - __main__ - Running validation\.\.\. $/],
  ['generating-images', /^ Generating \d+ images with prompt: .*\.$/],
];

/** Pieces of a console: lines split at `\n` and `\r`, and a Steps or Loading bar cut from text printed after it. */
function pieces(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    // tqdm ends a bar with `\r` only when it is redrawn; a log line written meanwhile follows on the same line.
    const bar = /^((?:Steps|Loading pipeline components\.\.\.): +\d+%\|[^\]]*\])(.*)$/.exec(line.replace(/\x1b\[A/g, ''));
    if (bar) out.push(bar[1]!, ...(bar[2] ? [bar[2]] : []));
    else out.push(line);
  }
  return out;
}

/**
 * The kinds of a console's lines in order, repeats of the same kind in a row counted once (a bar redrawn, the four
 * state files of a checkpoint). Lines of no kind (warnings, library chatter) are left out.
 */
export function consoleKinds(text: string): string[] {
  const out: string[] = [];
  for (const raw of pieces(text)) {
    // accelerate >= 1.13 prefixes its log records with the rank; the kinds are the same.
    const piece = raw.replace(/^(\S+ \S+ - \w+ - \S+ - )\[RANK \d+\] /, '$1');
    const kind = KINDS.find(([, re]) => re.test(piece))?.[0];
    if (kind && out.at(-1) !== kind) out.push(kind);
  }
  return out;
}

/** output_dir's listing with run-specific names made generic (event file names, the hparams folder's timestamp). */
export function outputShape(outDir: string): string[] {
  return listing(outDir).map((f) =>
    f.replace(/events\.out\.tfevents\.\d+\.[^/]+\.\d+\.\d+$/, 'events.out.tfevents.TIME.HOST.PID.N').replace(/\/\d+\.\d+(\/|$)/, '/TIME$1'),
  );
}

/** Per event file (by its place in the logs folder), the sorted `kind:tag` of every value it holds. */
export async function eventShape(logsDir: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const file of await findEventFiles(logsDir)) {
    const { records } = await readRecordsFromBuffer(readFileSync(file));
    const tags = new Set<string>();
    for (const r of records) {
      const d = decodeEvent(r.data);
      if (!d.ok) throw new Error(`${file}: ${d.error}`);
      for (const v of d.event.values) tags.add(`${v.kind}:${v.tag}`);
    }
    const where = relative(logsDir, file)
      .replace(/\d+\.\d+\//, 'TIME/')
      .replace(/events\.out\.tfevents\..*$/, 'events');
    out[where] = [...tags].sort();
  }
  return out;
}
