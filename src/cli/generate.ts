// `sdxl-trainer generate RUN_ID|OUTPUT_DIR [...]`: images with a run's base model, checkpoints and final weights
// (python/sdxl_generate.py, docs/generation.md), started as a generation job through the Supervisor the extension
// uses (`.sdxl/generations`), so the editor's Runs view and Compare Samples show it too. Followed until it ends;
// Ctrl-C stops the job.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATE_SCRIPT, type GenerationState } from '../core/generate/types';
import { generationSupervisor, startGeneration, stopGeneration } from '../core/generate/jobs';
import { GenerationMonitor } from '../core/generate/monitor';
import type { CliIo } from './io';
import { generateTarget } from './generateTarget';
import { GENERATE_USAGE, generateSettings, parseGenerateArgs } from './generateOptions';
import { assertWrapper, openWorkspace, workspaceRoot } from './run/context';

/** The script beside the CLI bundle (dist/cli.js → python/…), or the sources' (src/cli → python/…). */
export function generateScriptPath(): string {
  const candidates = [join(__dirname, '..', ...GENERATE_SCRIPT), join(__dirname, '..', '..', ...GENERATE_SCRIPT)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`the generation script is missing (looked for ${candidates.join(' and ')})`);
  return found;
}

/** Successive job states → printed lines, each thing once: the load of each source, each image, the end. */
export class GenerationReporter {
  private images = 0;
  private loadingTold = false;
  private deviceTold = false;
  private lastStepAt = -Infinity;

  constructor(
    private readonly io: CliIo,
    private readonly json: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  private line(text: string, obj: Record<string, unknown>): void {
    this.io.out(this.json ? JSON.stringify(obj) + '\n' : text + '\n');
  }

  update(s: GenerationState): void {
    if (s.status === 'loading' && !this.loadingTold) {
      this.loadingTold = true;
      this.line('loading the model…', { event: 'loading' });
    }
    if (s.device && !this.deviceTold) {
      this.deviceTold = true;
      this.line(`generating on ${s.device}${s.dtype ? ` (${s.dtype})` : ''}`, { event: 'device', device: s.device, dtype: s.dtype ?? null });
    }
    for (; this.images < s.images.length; this.images++) {
      const img = s.images[this.images]!;
      const path = join(s.outputDir, img.file);
      this.line(`image ${this.images + 1}/${s.total || '?'}: ${img.source} prompt ${img.promptIndex} seed ${img.seed}: ${path}`, {
        event: 'image',
        ...img,
        path,
        done: this.images + 1,
        total: s.total,
      });
    }
    const c = s.current;
    // Denoising steps at most once a second, and not in JSON: a line per step would flood a terminal on a GPU.
    if (!this.json && c && this.now() - this.lastStepAt >= 1000) {
      this.lastStepAt = this.now();
      this.line(`  ${c.source} prompt ${c.promptIndex} seed ${c.seed}: step ${c.step}/${c.steps}`, {});
    }
  }

  end(s: GenerationState): void {
    this.update(s);
    const paths = s.images.map((i) => join(s.outputDir, i.file));
    if (this.json)
      this.io.out(JSON.stringify({ event: 'end', status: s.status, outputDir: s.outputDir, images: paths, ...(s.error ? { error: s.error } : {}) }) + '\n');
    else {
      this.io.out(`${s.status}: ${s.images.length} of ${s.total || '?'} images in ${s.outputDir}\n`);
      if (s.error) this.io.out(`error: ${s.error}\n`);
    }
  }
}

/** Between passes over the job's files while it runs. */
const POLL_MS = 250;

export async function generateCommand(args: string[], io: CliIo): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    io.out(GENERATE_USAGE + '\n');
    return 0;
  }
  const opts = parseGenerateArgs(args);
  const flags = new Map<string, string | true>(opts.workspace !== undefined ? [['workspace', opts.workspace]] : []);
  const ws = openWorkspace(workspaceRoot(flags, io, io.cwd), io);
  const target = await generateTarget(ws, opts.target, io.cwd);
  const settings = generateSettings(target, opts);
  const python = opts.python ?? target.python ?? (process.platform === 'win32' ? 'python' : 'python3');
  assertWrapper(io);
  const launcher = io.launcher ?? { execPath: process.execPath, wrapperScript: join(__dirname, 'wrapper.js') };
  const jobs = generationSupervisor(launcher, ws.root);
  const entry = await startGeneration(jobs, {
    python,
    script: generateScriptPath(),
    settings,
    workspaceRoot: ws.root,
    name: `${target.runName} samples`,
    scriptKind: target.script ?? 'dreambooth-lora',
    ...(target.runId ? { runId: target.runId } : {}),
    runName: target.runName,
    ...(target.env ? { env: target.env } : {}),
  });
  const jobId = entry.record.id;
  if (!opts.json)
    io.out(
      `generation ${jobId} started: ${settings.sources.map((s) => s.label).join(', ')} × ${settings.prompts.length} prompt(s) × ${settings.numImages} image(s) with ${python}\n`,
    );
  else io.out(JSON.stringify({ event: 'started', id: jobId, python, settings }) + '\n');
  const reporter = new GenerationReporter(io, opts.json);
  const monitor = new GenerationMonitor(entry.dir);
  let stopping = false;
  const unsubscribeInterrupt = io.onInterrupt?.(() => {
    if (stopping) return;
    stopping = true;
    io.err(`stopping generation ${jobId}…\n`);
    void stopGeneration(jobs, jobId).catch((e: unknown) => io.err(`could not stop ${jobId}: ${e instanceof Error ? e.message : String(e)}\n`));
  });
  try {
    // Passes driven here rather than by monitor.start(): its timers are unref'd (they would let the CLI exit before the
    // job ends), and its last pass (generation.json once ended) may change nothing and so call no listener.
    monitor.onChange((s) => reporter.update(s));
    while (!monitor.done) {
      const more = await monitor.poll();
      if (!more && !monitor.done) await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const final = monitor.state;
    reporter.end(final);
    return final.status === 'succeeded' ? 0 : 1;
  } finally {
    unsubscribeInterrupt?.();
    monitor.dispose();
  }
}
