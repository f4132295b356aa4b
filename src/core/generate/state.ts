// The one reducer of a generation job: GenerationEvent* → GenerationState. Pure (no I/O, no clock), never mutates its
// input; the monitor, the CLI, the Runs tree and the comparison panel all read its result.
import type { ExitInfo, RunRecord } from '../supervisor/types';
import { MAX_IMAGES } from './argv';
import type { GeneratedImage, GenerationLine, GenerationRequest, GenerationResult, GenerationState, GenerationStatus } from './types';

export type GenerationEvent =
  /** run.json as settled by reconcile (state, times), with exit.json when written. */
  | { type: 'record'; record: RunRecord; exit?: ExitInfo }
  | { type: 'request'; request: GenerationRequest }
  | { type: 'line'; line: GenerationLine }
  /** generation.json, read once the job has ended (console lines may be missing: a console.log cut short). */
  | { type: 'result'; result: GenerationResult }
  /** The last Python exception line of console.log (`ValueError: …`), for a job that died without an `error` line. */
  | { type: 'exception'; message: string };

export function initialGenerationState(jobId: string, name: string, outputDir: string): GenerationState {
  return { jobId, name, outputDir, status: 'starting', total: 0, images: [] };
}

export function isGenerationEnded(status: GenerationStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'stopped';
}

export function imageKey(img: Pick<GeneratedImage, 'source' | 'promptIndex' | 'seed'>): string {
  return `${img.source}\u0000${img.promptIndex}\u0000${img.seed}`;
}

function totalOf(settings: GenerationRequest['settings']): number {
  return settings.sources.length * settings.prompts.length * settings.numImages;
}

/** Adds images not there yet (same source, prompt and seed = the same image, written again). */
function withImages(s: GenerationState, more: readonly GeneratedImage[]): GenerationState {
  if (!more.length) return s;
  const seen = new Set(s.images.map(imageKey));
  const images = s.images.slice();
  for (const img of more) {
    const key = imageKey(img);
    if (seen.has(key) || images.length >= MAX_IMAGES) continue;
    seen.add(key);
    images.push(img);
  }
  return images.length === s.images.length ? s : { ...s, images };
}

function statusOfRecord(s: GenerationState, record: RunRecord): GenerationStatus {
  switch (record.state) {
    case 'succeeded':
    case 'failed':
    case 'stopped':
      return record.state;
    case 'running':
      return s.status === 'generating' ? 'generating' : 'loading';
    default:
      return 'starting';
  }
}

export function reduceGeneration(s: GenerationState, event: GenerationEvent): GenerationState {
  switch (event.type) {
    case 'record': {
      const r = event.record;
      const status = statusOfRecord(s, r);
      const ended = isGenerationEnded(status);
      const next: GenerationState = {
        ...s,
        status,
        ...(r.startedAt ? { startedAt: r.startedAt } : {}),
        ...(r.endedAt || event.exit?.endedAt ? { endedAt: r.endedAt ?? event.exit!.endedAt } : {}),
      };
      if (ended) delete next.current;
      // Why it failed when the script said nothing: the wrapper's own reason (could not start, killed).
      if (status === 'failed' && !next.error) {
        const why = event.exit?.error ?? r.note;
        if (why) next.error = why;
        else if (event.exit?.signal) next.error = `ended by ${event.exit.signal}`;
        else if (typeof event.exit?.exitCode === 'number') next.error = `exited with code ${event.exit.exitCode}`;
      }
      return next;
    }
    case 'request': {
      const { request } = event;
      return {
        ...s,
        settings: request.settings,
        total: s.total || totalOf(request.settings),
        ...(request.runId ? { runId: request.runId } : {}),
      };
    }
    case 'result': {
      const { result } = event;
      const next = withImages(s, result.images);
      return {
        ...next,
        settings: next.settings ?? result.settings,
        total: next.total || totalOf(result.settings),
        ...(result.device && !next.device ? { device: result.device } : {}),
        ...(result.dtype && !next.dtype ? { dtype: result.dtype } : {}),
      };
    }
    case 'exception':
      return s.error ? s : { ...s, error: event.message };
    case 'line':
      return reduceLine(s, event.line);
  }
}

function reduceLine(s: GenerationState, line: GenerationLine): GenerationState {
  const ended = isGenerationEnded(s.status);
  switch (line.event) {
    case 'start':
      return { ...s, total: line.total };
    case 'loaded':
      return { ...s, device: line.device, dtype: line.dtype, ...(ended ? {} : { status: 'generating' as const }) };
    case 'step':
      if (ended) return s;
      return {
        ...s,
        status: 'generating',
        current: { source: line.source, promptIndex: line.promptIndex, seed: line.seed, step: line.step, steps: line.steps },
      };
    case 'image': {
      const next = withImages(s, [{ source: line.source, promptIndex: line.promptIndex, seed: line.seed, file: line.file, seconds: line.seconds }]);
      const out = { ...next, total: next.total || line.total };
      delete out.current;
      return out;
    }
    case 'done':
      return s;
    case 'error':
      return { ...s, error: line.source ? `${line.source}: ${line.message}` : line.message };
  }
}
