// One piece of work at a time, the newest winning: starting one aborts the one running (its AbortSignal fires), and
// a caller that wants the result for the same key joins the running one instead of starting another. Used by
// "Check Dataset", where a second check cancels the first and the preview panel joins a check of its dataset.

export class OneAtATime<T> {
  private current: { key: string; abort: AbortController; done: Promise<T> } | undefined;

  /** Starts `work` under `key`, aborting the work that runs (whatever its key). */
  start(key: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.current?.abort.abort();
    const abort = new AbortController();
    const done = Promise.resolve().then(() => work(abort.signal));
    const entry = { key, abort, done };
    this.current = entry;
    const clear = () => {
      if (this.current === entry) this.current = undefined;
    };
    done.then(clear, clear);
    return done;
  }

  /** The running work of `key`, to join; undefined when none runs under that key. */
  running(key: string): Promise<T> | undefined {
    return this.current?.key === key ? this.current.done : undefined;
  }

  /** Whether `signal` belongs to the newest work (false once newer work has replaced it or it has ended). */
  isCurrent(signal: AbortSignal): boolean {
    return this.current?.abort.signal === signal;
  }

  cancel(): void {
    this.current?.abort.abort();
  }
}
