// How each kind of setup step is carried out: a child process (argument array, own process group so a cancel kills
// what it started too), a download with Node's fetch (no curl), a check of a clone's script. Each returns undefined on
// success or why it failed, in words.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errText } from '../util/errText';
import { minVersionInScript } from './scriptMinimum';
import { atLeast } from './version';

/** Text a step printed, decoded (invalid UTF-8 becomes U+FFFD) and cut at line ends so a secret is never split. */
export type OutputSink = (text: string) => void;

/** Scripts are tens of KiB; anything far larger is not the script. */
const MAX_SCRIPT_BYTES = 8 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** Buffers decoded text up to the last line end (`\n` or pip's progress `\r`) before passing it on. */
function lineSink(sink: OutputSink): { write(b: Buffer): void; end(): void } {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  return {
    write(b) {
      rest += decoder.decode(b, { stream: true });
      const cut = Math.max(rest.lastIndexOf('\n'), rest.lastIndexOf('\r'));
      if (cut >= 0 || rest.length > 64 * 1024) {
        const upTo = cut >= 0 ? cut + 1 : rest.length;
        sink(rest.slice(0, upTo));
        rest = rest.slice(upTo);
      }
    },
    end() {
      rest += decoder.decode();
      if (rest) sink(rest);
      rest = '';
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') {
      // taskkill /T ends the whole tree; Windows has no process groups to signal.
      spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    } else process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export interface ProcessStep {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  onOutput: OutputSink;
  /** After SIGTERM, how long before SIGKILL. */
  killGraceMs: number;
}

export function runProcess(s: ProcessStep): Promise<string | undefined> {
  return new Promise((resolve) => {
    const [program, ...args] = s.argv;
    if (program === undefined) {
      resolve('the step has no program to run');
      return;
    }
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(program, args, {
        env: { ...s.env, PYTHONIOENCODING: 'utf-8', PYTHONUNBUFFERED: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (e) {
      // spawn() throws synchronously for a NUL in an argument, say.
      resolve(`${program} could not be started: ${errText(e)}`);
      return;
    }
    let spawnError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (child.pid === undefined) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), s.killGraceMs);
    };
    const out = lineSink(s.onOutput);
    const err = lineSink(s.onOutput);
    child.stdout!.on('data', (b: Buffer) => out.write(b));
    child.stderr!.on('data', (b: Buffer) => err.write(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? `${program} was not found` : `${program} could not be started: ${e.message}`;
    });
    if (s.signal.aborted) onAbort();
    else s.signal.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, sig) => {
      s.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      out.end();
      err.end();
      if (spawnError) resolve(spawnError);
      else if (s.signal.aborted) resolve('cancelled');
      else if (code === 0) resolve(undefined);
      else resolve(sig ? `${path.basename(program)} was ended by ${sig}` : `${path.basename(program)} exited with code ${code}`);
    });
  });
}

/** GET `url` into `dest` (written whole, then renamed into place, so a cut download leaves no partial script). */
export async function download(url: string, dest: string, signal: AbortSignal): Promise<string | undefined> {
  let body: Buffer;
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]), redirect: 'follow' });
    if (res.status !== 200) return `${url} answered HTTP ${res.status}${res.status === 404 ? ' (not found)' : ''}`;
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_SCRIPT_BYTES) return `${url} is ${length} bytes, too large for a training script`;
    body = Buffer.from(await res.arrayBuffer());
  } catch (e) {
    if (signal.aborted) return 'cancelled';
    const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${url} could not be fetched (${errText(e)}${cause})`;
  }
  if (body.length > MAX_SCRIPT_BYTES) return `${url} sent more than ${MAX_SCRIPT_BYTES} bytes, too large for a training script`;
  try {
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.part`;
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, dest);
  } catch (e) {
    return `${dest} could not be written: ${errText(e)}`;
  }
  return undefined;
}

/** The clone's script exists, is a file, and does not demand a newer diffusers than the release installed. */
export async function checkScript(file: string, release: string): Promise<string | undefined> {
  let text: string;
  try {
    const st = await fs.stat(file);
    if (!st.isFile()) return `${file} is not a file`;
    if (st.size > MAX_SCRIPT_BYTES) return `${file} is ${st.size} bytes, too large for a training script`;
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read: ${errText(e)}`;
  }
  const min = minVersionInScript(text);
  if (min && atLeast(release, min) === false) {
    return `${path.basename(file)} calls check_min_version("${min}"), newer than diffusers ${release} that the setup installs`;
  }
  return undefined;
}
