// The worker thread's side of CLIP scoring (src/clipWorker.ts → dist/clipWorker.js): one ONNX scorer per model,
// kept between requests (the sessions take a second or more to load), each request answered by id, cancellable.
import type { ClipModelFiles } from './clipModelDir';
import { createClipScorer } from './onnxScorer';
import type { ClipScore, ImageTextScorer } from './types';
import { errText } from '../util/errText';

export type ClipRequest =
  | { id: number; kind: 'score'; files: ClipModelFiles; threads?: number; images: string[]; text: string }
  | { id: number; kind: 'pairs'; files: ClipModelFiles; threads?: number; images: string[]; texts: string[] }
  | { id: number; kind: 'cancel' };

export type ClipReply = { id: number; scores: ClipScore[] } | { id: number; error: string; name: string };

export interface ClipPort {
  on(event: 'message', listener: (req: ClipRequest) => void): unknown;
  postMessage(reply: ClipReply): void;
}

/** Answers score requests on `port` until the thread ends. */
export function serveClip(port: ClipPort, create: typeof createClipScorer = createClipScorer): void {
  let current: { key: string; scorer: ImageTextScorer } | undefined;
  const running = new Map<number, AbortController>();
  const scorerFor = (files: ClipModelFiles, threads: number | undefined): ImageTextScorer => {
    const key = JSON.stringify([files, threads]);
    if (current?.key !== key) {
      // One model at a time: a changed setting drops the old sessions.
      void current?.scorer.dispose();
      current = { key, scorer: create({ files, ...(threads ? { threads } : {}) }) };
    }
    return current.scorer;
  };
  port.on('message', (req) => {
    if (req.kind === 'cancel') {
      running.get(req.id)?.abort();
      return;
    }
    const ac = new AbortController();
    running.set(req.id, ac);
    const scorer = scorerFor(req.files, req.threads);
    const work = req.kind === 'score' ? scorer.score(req.images, req.text, ac.signal) : scorer.scorePairs(req.images, req.texts, ac.signal);
    work
      .then(
        (scores) => port.postMessage({ id: req.id, scores }),
        (e: unknown) => port.postMessage({ id: req.id, error: errText(e), name: e instanceof Error ? e.name : 'Error' }),
      )
      .finally(() => running.delete(req.id));
  });
}
