// An ImageTextScorer that scores in a worker thread (dist/clipWorker.js, serving clipWorkerServer.ts), so the caller's
// event loop never waits on ONNX Runtime or image decoding. Requests carry ids; a cancel (AbortSignal) rejects the call
// at once and tells the worker to stop; a worker that dies rejects what it had with a clear error, and the next call
// starts a fresh one. The worker is referenced only while a call is pending, so it never keeps a process alive.
import type { Worker } from 'node:worker_threads';
import type { ClipModelFiles } from './clipModelDir';
import type { ClipReply, ClipRequest } from './clipWorkerServer';
import type { ClipScore, ImageTextScorer } from './types';

/** The part of a worker thread the client uses (tests stand in their own). */
export type ClipWorker = Pick<Worker, 'postMessage' | 'on' | 'terminate' | 'ref' | 'unref'>;

export interface ClipWorkerClientOptions {
  files: ClipModelFiles;
  /** Starts the worker thread (the editor: `new Worker(join(__dirname, 'clipWorker.js'))`). */
  spawn: () => ClipWorker;
  /** ONNX Runtime's threads in the worker. */
  threads?: number;
}

interface Pending {
  resolve(scores: ClipScore[]): void;
  reject(e: Error): void;
}

type Body = { kind: 'score'; images: string[]; text: string } | { kind: 'pairs'; images: string[]; texts: string[] };

function abortError(): Error {
  const e = new Error('CLIP scoring was cancelled');
  e.name = 'AbortError';
  return e;
}

export class ClipWorkerClient implements ImageTextScorer {
  private worker: ClipWorker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;
  /** Workers started so far (tests read it). */
  started = 0;

  constructor(private readonly options: ClipWorkerClientOptions) {}

  score(images: readonly string[], text: string, signal?: AbortSignal): Promise<ClipScore[]> {
    return this.request({ kind: 'score', images: images.slice(), text }, signal);
  }

  scorePairs(images: readonly string[], texts: readonly string[], signal?: AbortSignal): Promise<ClipScore[]> {
    if (images.length !== texts.length) return Promise.reject(new Error(`scorePairs: ${images.length} images but ${texts.length} texts`));
    return this.request({ kind: 'pairs', images: images.slice(), texts: texts.slice() }, signal);
  }

  dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    this.rejectAll(new Error('CLIP scoring has stopped'));
    return w ? w.terminate().then(() => undefined) : Promise.resolve();
  }

  private request(body: Body, signal: AbortSignal | undefined): Promise<ClipScore[]> {
    if (this.disposed) return Promise.reject(new Error('CLIP scoring has stopped'));
    if (signal?.aborted) return Promise.reject(abortError());
    if (body.images.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    const worker = this.worker ?? this.start();
    return new Promise<ClipScore[]>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        this.worker?.postMessage({ id, kind: 'cancel' } satisfies ClipRequest);
        this.idle();
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (s) => {
          done();
          resolve(s);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      worker.ref();
      const { files, threads } = this.options;
      worker.postMessage({ id, files, ...(threads ? { threads } : {}), ...body } satisfies ClipRequest);
    });
  }

  private start(): ClipWorker {
    const worker = this.options.spawn();
    this.started++;
    this.worker = worker;
    worker.on('message', (reply: ClipReply) => {
      if (worker !== this.worker) return;
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      this.idle();
      if ('error' in reply) {
        const e = new Error(reply.error);
        e.name = reply.name;
        p.reject(e);
      } else p.resolve(reply.scores);
    });
    const lost = (why: string): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      this.rejectAll(new Error(`the CLIP worker ${why}; the next score starts a new one`));
    };
    worker.on('error', (e: Error) => {
      lost(`failed: ${e.message}`);
      void worker.terminate();
    });
    worker.on('exit', (code: number) => lost(`exited with code ${code}`));
    return worker;
  }

  private idle(): void {
    if (this.pending.size === 0) this.worker?.unref();
  }

  private rejectAll(e: Error): void {
    const all = Array.from(this.pending.values());
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}
