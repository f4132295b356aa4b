// `sdxl-trainer import [--script KIND] [--out FILE] (--stdin | -- ARG…)`: a config from a command line.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImportError, importArgs, importCommandText, type ImportResult } from '../core/launch/importCommand';
import { isScriptKind, SCRIPT_KINDS } from '../core/scripts/scriptTables';
import { InputTooLargeError, mib, parseFlags, UsageError, type CliIo } from './io';

/** A pasted command line is a few KiB; far more is not one (and would only fill memory). */
export const MAX_IMPORT_BYTES = 1024 * 1024;

export async function importCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional, rest } = parseFlags(args, ['stdin']);
  if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}' (put the command line after --)`);
  const script = flags.get('script');
  if (script !== undefined && !isScriptKind(script)) throw new UsageError(`--script must be one of ${SCRIPT_KINDS.join(', ')}`);
  const out = flags.get('out');
  if (out === true) throw new UsageError('--out needs a file name');
  const fromStdin = flags.has('stdin');
  if (fromStdin === rest.length > 0) throw new UsageError('give either --stdin or the arguments after --');
  let result: ImportResult;
  try {
    result = fromStdin ? importCommandText(script, await readCommandLine(io)) : importArgs(script, rest);
  } catch (e) {
    if (e instanceof ImportError || e instanceof InputTooLargeError) {
      io.err(`sdxl-trainer import: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`);
  const text = JSON.stringify(result.config, null, 2) + '\n';
  if (out === undefined) io.out(text);
  else {
    const file = resolve(io.cwd, out);
    writeFileSync(file, text);
    io.out(`wrote ${file}\n`);
  }
  return 0;
}

async function readCommandLine(io: CliIo): Promise<string> {
  const text = await io.readStdin(MAX_IMPORT_BYTES);
  // The cap holds whatever reads the input (tests pass their own).
  if (Buffer.byteLength(text) > MAX_IMPORT_BYTES) throw new InputTooLargeError(`standard input is over ${mib(MAX_IMPORT_BYTES)}, the most this command reads`);
  return text;
}
