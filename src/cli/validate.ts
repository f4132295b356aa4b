// `sdxl-trainer validate FILE [--json] [--gpus] [--nvidia-smi PATH]`: the Problems panel's diagnostics, for CI and scripts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAX_CONFIG_BYTES } from '../core/config';
import { validateConfig, type Diagnostic } from '../core/diagnostics';
import { queryGpus } from '../core/gpuQuery';
import { parseFlags, UsageError, type CliIo } from './io';

/** The file's text, or why it cannot be a config; never throws. */
export function readConfigFile(file: string): { text: string } | { error: string } {
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { error: 'is a directory, not a config file' };
    if (!st.isFile()) return { error: 'is not a regular file' };
    if (st.size > MAX_CONFIG_BYTES) {
      return { error: `is ${(st.size / 1048576).toFixed(1)} MB; configs over ${MAX_CONFIG_BYTES / 1048576} MB are not read` };
    }
    const buf = readFileSync(file);
    if (buf.subarray(0, 8192).includes(0)) return { error: 'looks like a binary file (it contains NUL bytes), not a JSON config' };
    return { text: buf.toString('utf8').replace(/^\uFEFF/, '') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: 'no such file' };
    if (code === 'EACCES' || code === 'EPERM') return { error: 'permission denied' };
    return { error: `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})` };
  }
}

export function listDir(abs: string): string[] | undefined {
  try {
    return readdirSync(abs);
  } catch {
    return undefined;
  }
}

/** The JSON form: exactly these keys, `fix` only when there is one. */
function toJson(d: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'path' | 'line' | 'column' | 'fix'>): Record<string, unknown> {
  return { severity: d.severity, code: d.code, message: d.message, path: d.path, line: d.line, column: d.column, ...(d.fix ? { fix: d.fix } : {}) };
}

export async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json', 'gpus']);
  if (positional.length !== 1) throw new UsageError('usage: validate FILE [--json] [--gpus] [--nvidia-smi PATH]');
  const json = flags.has('json');
  const file = resolve(io.cwd, positional[0]!);
  const read = readConfigFile(file);
  let diagnostics: Array<Pick<Diagnostic, 'severity' | 'code' | 'message' | 'path' | 'line' | 'column' | 'fix'>>;
  if ('error' in read) {
    diagnostics = [{ severity: 'error', code: 'file', message: `${file} ${read.error}.`, path: '', line: 1, column: 1 }];
  } else {
    const smi = flags.get('nvidia-smi');
    const gpus = flags.has('gpus') || typeof smi === 'string' ? await queryGpus(typeof smi === 'string' ? smi : undefined) : undefined;
    if (flags.has('gpus') && gpus === undefined && !json) io.err('sdxl-trainer validate: nvidia-smi not available; GPU memory not checked\n');
    diagnostics = validateConfig(read.text, { configPath: file, listDir, ...(gpus ? { gpus } : {}) });
  }
  if (json) {
    io.out(JSON.stringify({ diagnostics: diagnostics.map(toJson) }, null, 2) + '\n');
  } else {
    for (const d of diagnostics) io.out(`${file}:${d.line}:${d.column}: ${d.severity}: ${oneLine(d.message)} [${d.code}]\n`);
  }
  return diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
}

/** Keeps one diagnostic per line even when a message quotes a value with line breaks. */
function oneLine(s: string): string {
  return s.replace(/\r?\n/g, '\\n');
}
