// Config validation off the extension host's thread: a worker thread runs validateConfig, one document at a time,
// the newest text of each document only. A 5 MB config takes a second or more to check; in the worker, the host's
// event loop never waits for it, and an edit cancels the check of the text it replaced (the worker is ended).
import { readdirSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { validateConfig } from './index';
import type { Diagnostic, GpuInfo } from './types';
import type { ArgTableChoice } from '../scriptHelp/scriptTable';
import type { HubFacts } from './hubRules';
import type { EnvironmentFacts } from '../env/facts';
import { errText } from '../util/errText';

export interface ValidationOptions {
  /** Absolute path of the config file: relative paths resolve from its folder, and its output_dir is listed. */
  configPath?: string;
  gpus?: GpuInfo[];
  /** The script file's own argument table, when known (plain data: it is posted to the worker as it is). */
  argTable?: ArgTableChoice;
  /** The Hub's answers for the ids the config names, when checked (plain data too). */
  hub?: HubFacts;
  /** The config's interpreter as probed (plain data, like argTable). */
  environment?: EnvironmentFacts;
}

interface Request extends ValidationOptions {
  id: number;
  text: string;
}

type Reply = { id: number; diagnostics: Diagnostic[] } | { id: number; error: string };

/** The part of a worker thread the service uses (tests stand in their own). */
export type ValidationWorker = Pick<Worker, 'postMessage' | 'on' | 'terminate' | 'ref' | 'unref'>;

/** The worker's side: answers each request with the diagnostics of its text. */
export function serveValidation(port: { on(event: 'message', listener: (req: Request) => void): unknown; postMessage(reply: Reply): void }): void {
  port.on('message', (req) => {
    let reply: Reply;
    try {
      const { id, text, configPath, gpus, argTable, hub, environment } = req;
      reply = {
        id,
        diagnostics: validateConfig(text, {
          ...(configPath ? { configPath, listDir } : {}),
          ...(gpus ? { gpus } : {}),
          ...(argTable ? { argTable } : {}),
          ...(hub ? { hub } : {}),
          ...(environment ? { environment } : {}),
        }),
      };
    } catch (e) {
      reply = { id: req.id, error: errText(e) };
    }
    port.postMessage(reply);
  });
}

function listDir(abs: string): string[] | undefined {
  try {
    return readdirSync(abs);
  } catch {
    return undefined;
  }
}

interface Waiter {
  resolve(d: Diagnostic[]): void;
  reject(e: Error): void;
}

interface Job extends Request {
  key: string;
  waiters: Waiter[];
}

export class ValidationService {
  private worker: ValidationWorker | undefined;
  private running: Job | undefined;
  /** Jobs not started, at most one per document (Map order: oldest first). */
  private readonly waiting = new Map<string, Job>();
  private nextId = 1;
  private disposed = false;
  /** Checks ended before their answer because a newer text replaced them (tests read it). */
  cancelled = 0;

  constructor(private readonly spawn: () => ValidationWorker) {}

  /**
   * The diagnostics of `text`, the content of the document `key`. When a newer text of the same document comes before
   * the answer, this check is cancelled and the promise gets the newer text's diagnostics instead.
   */
  validate(key: string, text: string, options: ValidationOptions = {}): Promise<Diagnostic[]> {
    if (this.disposed) return Promise.reject(new Error('config validation has stopped'));
    return new Promise((resolve, reject) => {
      let waiters: Waiter[] = [{ resolve, reject }];
      const queued = this.waiting.get(key);
      if (queued) {
        waiters = queued.waiters.concat(waiters);
        this.waiting.delete(key);
      }
      if (this.running?.key === key) {
        waiters = this.running.waiters.concat(waiters);
        this.cancelRunning();
      }
      this.waiting.set(key, { key, id: this.nextId++, text, ...options, waiters });
      this.pump();
    });
  }

  private cancelRunning(): void {
    this.cancelled++;
    this.running = undefined;
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
  }

  private pump(): void {
    if (this.running || this.disposed) return;
    const next = this.waiting.values().next();
    if (next.done) {
      this.worker?.unref();
      return;
    }
    const job = next.value;
    this.waiting.delete(job.key);
    this.running = job;
    const worker = this.worker ?? this.start();
    // Referenced while a check runs, so a process that awaits it (a test, the CLI) lives until the answer.
    worker.ref();
    const { id, text, configPath, gpus, argTable, hub, environment } = job;
    worker.postMessage({
      id,
      text,
      ...(configPath ? { configPath } : {}),
      ...(gpus ? { gpus } : {}),
      ...(argTable ? { argTable } : {}),
      ...(hub ? { hub } : {}),
      ...(environment ? { environment } : {}),
    } satisfies Request);
  }

  private start(): ValidationWorker {
    const worker = this.spawn();
    this.worker = worker;
    worker.on('message', (reply: Reply) => {
      const job = this.running;
      if (worker !== this.worker || !job || reply.id !== job.id) return;
      this.running = undefined;
      for (const w of job.waiters) {
        if ('error' in reply) w.reject(new Error(reply.error));
        else w.resolve(reply.diagnostics);
      }
      this.pump();
    });
    const lost = (why: string): void => {
      if (worker !== this.worker) return;
      this.worker = undefined;
      const job = this.running;
      this.running = undefined;
      for (const w of job?.waiters ?? []) w.reject(new Error(`the validation worker ${why}`));
      this.pump();
    };
    worker.on('error', (e: Error) => lost(`failed: ${e.message}`));
    worker.on('exit', (code: number) => lost(`exited with code ${code}`));
    return worker;
  }

  dispose(): void {
    this.disposed = true;
    const pending = Array.from(this.waiting.values());
    if (this.running) pending.push(this.running);
    this.waiting.clear();
    this.running = undefined;
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
    for (const job of pending) for (const w of job.waiters) w.reject(new Error('config validation has stopped'));
  }
}
