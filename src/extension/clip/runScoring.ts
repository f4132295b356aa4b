// Scores the validation and test images of the window's runs (live and ended) against each run's validation prompt,
// and appends the scores to the run's `clip-scores.jsonl` (core/worker/clipScoreFile.ts). It only writes the file:
// the monitor's clipScores source reads it back into the state like any other file of the run, so a reload, the CLI
// and a second window see the same scores. No vscode import: the editor wiring is in runScoringHost.ts.
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ImageTextScorer } from '../../core/clip/types';
import type { RunState } from '../../core/run/state';
import { clipScoresPath, formatClipScoreLine, imagesToScore, validationPromptOf, type ImageToScore } from '../../core/worker/clipScoreFile';
import { errText } from '../../core/util/errText';

/** What scoring needs of the CLIP service (clipService.ts): the model's id, and the shared scorer, loaded when first asked. */
export interface ClipScorerSource {
  /** The id of the model scores come from now (its files' identity): a new id means the images are scored again. */
  modelId(): string | undefined;
  /** The shared scorer; undefined when the user declined the model's download or it cannot be loaded (said by the service). */
  scorer(): Promise<ImageTextScorer | undefined>;
}

export interface ScoredRun {
  id: string;
  state: RunState;
  /** The run monitor's image cache folder (`imageCacheDir`): the scores go to `<imageDir>/<id>/clip-scores.jsonl`. */
  imageDir: string;
}

export interface RunScoringOptions {
  runs: () => readonly ScoredRun[];
  /** The setting is on and the workspace trusted. */
  enabled: () => boolean;
  clip: ClipScorerSource;
  log: (message: string) => void;
  /** Images per call to the scorer (one batch at a time, so a new run's images do not wait for a long backlog). */
  batch?: number;
}

const BATCH = 8;

export class RunScoring {
  /** Keys (`runId\0model\0image key`) being scored, or written and not read back by the monitor yet. */
  private readonly pending = new Set<string>();
  /** Keys whose scoring failed (an unreadable image): not tried again in this window. */
  private readonly failed = new Set<string>();
  /** The model whose download or load came to nothing: not asked again until the model changes. */
  private refusedModel: string | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private readonly abort = new AbortController();

  constructor(private readonly opts: RunScoringOptions) {}

  /** Something changed (a run's state, the setting, trust): scores what needs a score, one batch at a time. */
  update(): void {
    if (this.abort.signal.aborted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work()
      .catch((e) => this.opts.log(`CLIP scoring failed: ${errText(e)}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.update();
        }
      });
  }

  /** The model or the setting changed: a model that failed is tried again. */
  retry(): void {
    this.refusedModel = undefined;
    this.update();
  }

  /** Resolves when no scoring is under way (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  dispose(): void {
    this.abort.abort();
  }

  private async work(): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted || !this.opts.enabled()) return;
      const model = this.opts.clip.modelId();
      if (model === undefined || model === this.refusedModel) return;
      const next = this.nextBatch(model);
      if (!next) return;
      const scorer = await this.opts.clip.scorer();
      if (!scorer) {
        this.refusedModel = model;
        return;
      }
      await this.scoreBatch(scorer, model, next);
    }
  }

  /** The first run's images that need a score of `model` (a batch of them), with its prompt. */
  private nextBatch(model: string): { run: ScoredRun; prompt: string; images: ImageToScore[] } | undefined {
    for (const run of this.opts.runs()) {
      const prompt = validationPromptOf(run.state);
      if (!prompt) continue;
      const scored = new Set<string>();
      if (run.state.clip.model === model) for (const c of run.state.clip.scores) scored.add(c.key);
      // What the monitor has read back is no longer pending.
      const prefix = `${run.id}\u0000${model}\u0000`;
      for (const k of scored) this.pending.delete(prefix + k);
      const skip = new Set<string>();
      for (const k of this.pending) if (k.startsWith(prefix)) skip.add(k.slice(prefix.length));
      for (const k of this.failed) if (k.startsWith(prefix)) skip.add(k.slice(prefix.length));
      const images = imagesToScore(run.state, model, skip).slice(0, this.opts.batch ?? BATCH);
      if (images.length) return { run, prompt, images };
    }
    return undefined;
  }

  private async scoreBatch(scorer: ImageTextScorer, model: string, job: { run: ScoredRun; prompt: string; images: ImageToScore[] }): Promise<void> {
    const keys = job.images.map((i) => `${job.run.id}\u0000${model}\u0000${i.line.key}`);
    for (const k of keys) this.pending.add(k);
    let scores: number[];
    try {
      scores = await scorer.score(
        job.images.map((i) => i.path),
        job.prompt,
        this.abort.signal,
      );
      if (scores.length !== job.images.length) throw new Error(`the scorer gave ${scores.length} scores for ${job.images.length} images`);
    } catch (e) {
      for (const k of keys) this.pending.delete(k);
      if (this.abort.signal.aborted) return;
      // The scorer names an image it cannot read (ImageTextScorer): that image is skipped from now on, the others are
      // scored in the next batch. An error naming no image is the model's (declined download, missing files): scoring
      // stops until the model or the setting changes.
      const message = errText(e);
      const bad = job.images.filter((i) => message.includes(i.path));
      if (bad.length === 0) {
        this.refusedModel = model;
        this.opts.log(`CLIP scoring of validation images stopped: ${message}`);
        return;
      }
      for (const image of bad) {
        this.failed.add(`${job.run.id}\u0000${model}\u0000${image.line.key}`);
        this.opts.log(`Run ${job.run.id}: cannot CLIP-score ${image.path}: ${message}`);
      }
      return;
    }
    const text = job.images.map((i, n) => formatClipScoreLine({ ...i.line, score: scores[n]!, model })).join('');
    const file = clipScoresPath(job.run.imageDir, job.run.id);
    try {
      await mkdir(dirname(file), { recursive: true });
      // One append of whole lines (O_APPEND): a reader never sees another writer's line cut into this one's.
      await appendFile(file, text, { mode: 0o600 });
    } catch (e) {
      for (const k of keys) {
        this.pending.delete(k);
        this.failed.add(k);
      }
      this.opts.log(`Run ${job.run.id}: cannot write the CLIP scores to ${file}: ${errText(e)}`);
    }
  }
}
