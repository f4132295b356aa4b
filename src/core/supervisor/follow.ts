// Following a run's console.log from byte 0: incremental, bounded reads by polling (works the same on every file
// system, network mounts included), UTF-8 decoded without splitting characters (tqdm's bar uses block glyphs).
import { closeSync, existsSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { delay } from './poll';
import { readRecord, recordFiles } from './runRecord';
import { isFinal } from './liveness';
import { openRegularSync } from '../util/regularFile';

export type FollowEndReason = 'ended' | 'deleted' | 'stopped';

export interface FollowEvent {
  kind: 'truncated' | 'deleted' | 'ended' | 'error';
  message: string;
}

export interface FollowOptions {
  pollMs?: number;
  /** Largest single read; a big backlog is read in several steps so the event loop is never blocked long. */
  maxReadBytes?: number;
  /** Byte offset to start at (0 = the whole console). */
  fromOffset?: number;
  onEvent?: (e: FollowEvent) => void;
  /** Whether the run has finished; default: exit.json exists or run.json has a final state. */
  isFinished?: () => boolean;
}

export interface Follower {
  /** Bytes of console.log delivered so far. */
  readonly bytesRead: number;
  /** Resolves when the run has ended and all of its console was delivered, the file vanished, or stop() was called. */
  readonly done: Promise<{ reason: FollowEndReason; bytesRead: number }>;
  stop(): void;
}

function defaultFinished(recordDir: string): boolean {
  if (existsSync(recordFiles(recordDir).exit)) return true;
  try {
    return isFinal(readRecord(recordDir).state);
  } catch {
    return false;
  }
}

export function followRun(recordDir: string, onChunk: (text: string, offset: number) => void, opts: FollowOptions = {}): Follower {
  const path = recordFiles(recordDir).console;
  const pollMs = opts.pollMs ?? 250;
  const max = opts.maxReadBytes ?? 1 << 20;
  const finished = opts.isFinished ?? (() => defaultFinished(recordDir));
  const event = (kind: FollowEvent['kind'], message: string) => opts.onEvent?.({ kind, message });
  let offset = opts.fromOffset ?? 0;
  let stopped = false;
  let seen = false;
  let decoder = new StringDecoder('utf8');
  const buf = Buffer.alloc(Math.min(max, 1 << 20));

  /** Reads what is there now; returns false when the file is gone. */
  const drain = async (): Promise<boolean> => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return !seen;
    }
    seen = true;
    if (size < offset) {
      event('truncated', `${path} shrank from ${offset} to ${size} bytes; reading it again from the start`);
      offset = 0;
      decoder = new StringDecoder('utf8');
    }
    while (offset < size && !stopped) {
      const fd = openRegularSync(path);
      let n: number;
      try {
        n = readSync(fd, buf, 0, Math.min(buf.length, size - offset), offset);
      } finally {
        closeSync(fd);
      }
      if (n <= 0) break;
      const at = offset;
      offset += n;
      const text = decoder.write(buf.subarray(0, n));
      if (text) onChunk(text, at);
      if (offset < size) await new Promise((r) => setImmediate(r));
    }
    return true;
  };

  const done = (async (): Promise<{ reason: FollowEndReason; bytesRead: number }> => {
    for (;;) {
      if (stopped) return { reason: 'stopped', bytesRead: offset };
      // Check "finished" before reading, so the final read after it catches everything the run wrote.
      const ended = finished();
      let present: boolean;
      try {
        present = await drain();
      } catch (e) {
        event('error', `cannot read ${path}: ${(e as Error).message}`);
        present = true;
      }
      if (!present) {
        event('deleted', `${path} was deleted while it was being followed`);
        return { reason: 'deleted', bytesRead: offset };
      }
      if (ended && !stopped) {
        const rest = decoder.end();
        if (rest) onChunk(rest, offset);
        event('ended', 'the run has ended');
        return { reason: 'ended', bytesRead: offset };
      }
      await delay(pollMs);
    }
  })();

  return {
    get bytesRead() {
      return offset;
    },
    done,
    stop() {
      stopped = true;
    },
  };
}
