// Shared helpers for the supervisor tests: a bundled wrapper, throw-away workspaces, plans for the fake trainer,
// and condition waits with a timeout (no fixed sleeps).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';
import { waitUntil } from '../../src/core/supervisor/poll';
import { MACHINE_KEY_ENV } from '../../src/core/supervisor/machineKey';
import { isAlive, isWrapperAlive } from '../../src/core/supervisor/liveness';
import { listRuns } from '../../src/core/supervisor/runRecord';
import { runProcesses, signalRun } from '../../src/core/supervisor/processTree';
import type { LaunchPlan, RunRecord } from '../../src/core/supervisor/types';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot(__dirname);

// Tests never touch the user's own machine key (~/.config/sdxl-trainer/machine-key): one throw-away key per test
// process, which the supervisors, the CLI in-process and the wrappers they start (by environment) all use.
process.env[MACHINE_KEY_ENV] ??= join(mkdtempSync(join(tmpdir(), 'sdxl-key-')), 'machine-key');
export const FAKE = join(repoRoot, 'test', 'fixtures', 'fake-long-process.py');
export const STARTER = join(repoRoot, 'test', 'fixtures', 'fake-long-process.starter.ts');

let wrapperBuild: Promise<string> | undefined;
/** Bundles src/wrapper.ts once per test process, the way scripts/build.mjs builds dist/wrapper.js. */
export function wrapperJs(): Promise<string> {
  wrapperBuild ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sdxl-wrapper-')), 'wrapper.js');
    await build({
      entryPoints: [join(repoRoot, 'src', 'wrapper.ts')],
      outfile: out,
      bundle: true,
      // As scripts/build.mjs: jsonc-parser's UMD main (the wrapper reaches core/config since the launch profiles) does
      // not bundle; its ES module does.
      mainFields: ['module', 'main'],
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    return out;
  })();
  return wrapperBuild;
}

export interface Workspace {
  root: string;
  recordsDir: string;
  /** Kills anything a test left running, then removes the folder. */
  cleanup(): Promise<void>;
}

export function workspace(): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-sup-'));
  const recordsDir = join(root, '.sdxl', 'runs');
  return {
    root,
    recordsDir,
    async cleanup() {
      for (const { record } of listRuns(recordsDir)) {
        // Only processes that really are the run's (pid + start time), never this test process.
        const alive = await isAlive(record);
        const roots = [alive ? record.pid : undefined, (await isWrapperAlive(record)) ? record.wrapperPid : undefined];
        const left = (
          await runProcesses(
            alive ? record.pgid : undefined,
            roots.filter((p): p is number => p !== undefined),
          )
        ).filter((p) => p !== process.pid);
        if (left.length) await signalRun(undefined, left, 'SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export function fakePlan(ws: Workspace, args: string[], env: Record<string, string> = {}, launcher: string[] = []): LaunchPlan {
  return { argv: ['python3', ...launcher, FAKE, '--output_dir', join(ws.root, 'out'), ...args], env, cwd: ws.root, script: 'lora' };
}

/** Awaits a condition, failing the test with `what` if it does not hold within `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  assert.ok(await waitUntil(cond, ms, 25), `timed out after ${ms} ms waiting for ${what}`);
}

/** Live processes of a run: its process group plus descendants of the wrapper and the training process. */
export async function runProcessCount(record: RunRecord): Promise<number> {
  const roots = [(await isAlive(record)) ? record.pid : undefined, (await isWrapperAlive(record)) ? record.wrapperPid : undefined];
  return (
    await runProcesses(
      record.pgid,
      roots.filter((p): p is number => p !== undefined),
    )
  ).length;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * The CLI in-process with the wrapper bundled for tests, in `cwd` (default the workspace root); `io` adds or replaces
 * parts of its CliIo (an `ask` for a terminal question, say).
 */
export async function cliInProcess(ws: Workspace, argv: string[], io: Partial<CliIo> = {}): Promise<CliResult> {
  const r: CliResult = { code: -1, out: '', err: '' };
  r.code = await main(argv, {
    out: (text) => void (r.out += text),
    err: (text) => void (r.err += text),
    readStdin: async () => '',
    cwd: ws.root,
    launcher: { execPath: process.execPath, wrapperScript: await wrapperJs() },
    ...io,
  });
  return r;
}

/**
 * `p`, or a clear error after `ms`. Its timer also keeps the event loop alive: a RunMonitor's own timers are unref'd
 * (the CLI must be able to exit), so a test awaiting only the monitor could see the loop drain under it.
 */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
