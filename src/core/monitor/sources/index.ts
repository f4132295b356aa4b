// The sources a monitor pass reads, in order. A new source (CLIP scores, samples, …) is one file in this folder that
// implements RunSource, plus one line here. The record source comes first (it decides whether the run has ended,
// before the others read) and is built by the monitor itself, as is the GPU source (its own timer).
import { CheckpointSource } from './checkpoints';
import { ClipScoresSource } from './clipScores';
import { ConsoleSource } from './console';
import { HangSource } from './hang';
import { TensorboardSource } from './tensorboard';
import { TrackerSource } from './tracker';
import type { RunSource, SourceOptions } from './types';
import { WandbSource } from './wandb';

export interface PassSources {
  /** The console source, kept by name: the monitor asks it for console lines (consoleLineOf). */
  console: ConsoleSource;
  /** In the order they are read in a pass. */
  all: RunSource[];
}

export function passSources(options: SourceOptions): PassSources {
  const console = new ConsoleSource(options.secrets);
  return {
    console,
    all: [console, new TensorboardSource(), new WandbSource(), new CheckpointSource(), new TrackerSource(), new HangSource(), new ClipScoresSource()],
  };
}
