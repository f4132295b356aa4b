// The CLI's command table. Each command lives in its own file under src/cli/.
import type { CliCommand } from './io';
import { schemaCommand } from './schema';
import { importCommand } from './import';
import { commandCommand } from './command';
import { generateSchemasCommand } from './generateSchemas';
import { eventsCommand } from './events';
import { validateCommand } from './validate';
import { estimateCommand } from './estimate';
import { summarizeCommand } from './summarize';
import { runCommand, RUN_SUBCOMMANDS } from './run';
import { doctorCommand } from './doctor';
import { downloadCommand } from './download';
import { clipScoreCommand } from './clipScore';
import { datasetCheckCommand } from './datasetCheck';
import { generateCommand } from './generate';
import { publishCommand } from './publish';

export interface CommandEntry {
  summary: string;
  run: CliCommand;
  /** Synopses listed under the command in the help. */
  subcommands?: ReadonlyArray<readonly [string, string]>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  schema: { summary: 'print the config JSON schema (--script KIND for one script)', run: schemaCommand },
  import: { summary: 'make a config from a command line (-- ARG… or --stdin)', run: importCommand },
  command: { summary: 'show the launch command of a config (--json, --shell bash|powershell; secrets masked unless --show-secrets)', run: commandCommand },
  'generate-schemas': { summary: 'write schemas/*.json from the argument tables (--check to verify)', run: generateSchemasCommand },
  validate: { summary: 'check a config: errors, warnings and quick fixes (--json, --gpus, --hub, --profile P)', run: validateCommand },
  estimate: { summary: "estimate peak GPU memory of a config's training (--json)", run: estimateCommand },
  summarize: { summary: 'summarize a run: record folder, output_dir or console log (--json)', run: summarizeCommand },
  run: { summary: 'start, follow, list, show, stop and resume training runs (run --help)', run: runCommand, subcommands: RUN_SUBCOMMANDS },
  events: { summary: "read a run's TensorBoard event files: scalars, images, skipped records (--json)", run: eventsCommand },
  doctor: {
    summary: 'check the Python environment: torch/CUDA, diffusers, accelerate, packages the config needs (--python PATH, --config FILE, --json)',
    run: doctorCommand,
  },
  download: { summary: "download a config's (or an id's) base model into the Hugging Face cache (--variant V, --revision R)", run: downloadCommand },
  'clip-score': { summary: 'CLIP score of images against a prompt (IMAGE... --prompt TEXT [--model ID|DIR] [--json] [--yes])', run: clipScoreCommand },
  'dataset-check': {
    summary: "check a dataset folder (or a config's: --config FILE): unreadable images, metadata.jsonl, captions, sizes, duplicates (--json, --resolution N)",
    run: datasetCheckCommand,
  },
  generate: {
    summary:
      "images with a run's base model, checkpoints and final weights, same prompts and seeds (RUN_ID|OUTPUT_DIR [--source base,checkpoint-4,final] [--prompt P]... [--steps N] [--seed N] [--num-images N] [--size WxH] [--python PATH] [--json])",
    run: generateCommand,
  },
  publish: {
    summary:
      "publish a run's weights, sample images and model card to a Hub model repo (RUN_ID|OUTPUT_DIR --repo ID [--private] [--include-checkpoints] [--license L] [--no-images] [--generation JOB_ID] [--dry-run]; token from HF_TOKEN)",
    run: publishCommand,
  },
};
