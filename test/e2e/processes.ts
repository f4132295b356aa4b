// Process and waiting helpers for the e2e harness: condition waits with a deadline, free ports, and process groups
// that are always killed (also when the test runner itself exits).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** Thrown from an `until` probe to stop waiting at once (e.g. the process being waited on has exited). */
export class GiveUp extends Error {}

/** The deadline helper every wait uses, so each step fails with a message naming what it waited for. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() > end) {
      const why = last instanceof Error ? `: ${last.message.split('\n')[0]}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A free loopback port: bind port 0, read it, release it. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('freePort: no TCP address');
  return address.port;
}

/** True while any process of the group is alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM a process group, then SIGKILL it if anything is left after `graceMs`. */
export async function killGroup(pgid: number, graceMs = 5000): Promise<void> {
  if (!groupAlive(pgid)) return;
  try {
    process.kill(-pgid, 'SIGTERM');
  } catch {
    return;
  }
  try {
    await until(`process group ${pgid} to exit`, graceMs, async () => (groupAlive(pgid) ? undefined : true), 50);
  } catch {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await until(`process group ${pgid} to die`, 5000, async () => (groupAlive(pgid) ? undefined : true), 50);
  }
}

// Groups still to kill if the runner itself dies; 'exit' handlers must be synchronous, so SIGKILL there.
export const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
}

/** Runs `command` in its own process group to completion; rejects with its output unless it exits 0. */
export async function runDetached(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid!;
  liveGroups.add(pgid);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => void killGroup(pgid, 0), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  await killGroup(pgid, 2000);
  liveGroups.delete(pgid);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`);
  return output;
}

/** Times a spec's steps for its log line: restart() once the clock should start, step(name) after each step. */
export class StepClock {
  private readonly steps: string[] = [];
  private t = Date.now();

  restart(): void {
    this.t = Date.now();
  }

  step(name: string): void {
    this.steps.push(`${name} ${Date.now() - this.t} ms`);
    this.t = Date.now();
  }

  report(spec: string): void {
    console.log(`# ${spec} steps: ${this.steps.join(', ')}`);
  }
}
