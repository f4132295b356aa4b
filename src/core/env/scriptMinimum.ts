// The minimum diffusers release a training script demands: its own `check_min_version("0.27.0")` line (diffusers'
// examples call it at import time and stop with an ImportError on an older diffusers).
import { closeSync, readSync } from 'node:fs';
import { openRegularSync, UnreadableFileError } from '../util/regularFile';

/** The scripts are ~100 KB; the call is near the top. */
const MAX_READ = 1024 * 1024;

export function minVersionInScript(text: string): string | undefined {
  return /^\s*check_min_version\(\s*["']([^"'\n]{1,64})["']\s*\)/m.exec(text)?.[1];
}

/** The script file's demand, or why it cannot be read. */
export function readScriptMinimum(scriptPath: string): { version: string | undefined } | { error: string } {
  let fd: number | undefined;
  try {
    fd = openRegularSync(scriptPath);
    const buf = Buffer.alloc(MAX_READ);
    const n = readSync(fd, buf, 0, MAX_READ, 0);
    return { version: minVersionInScript(buf.subarray(0, n).toString('utf8')) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof UnreadableFileError) return { error: e.message };
    return { error: code === 'ENOENT' ? `${scriptPath} does not exist` : `${scriptPath} cannot be read (${code ?? String(e)})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
