// How `estimate` and `command` print a config's parse problems: FILE:line:col lines, the first few only (binary junk
// yields thousands), with line numbers found in one pass over the text.
import type { ParseProblem } from '../core/config/config';
import { LineIndex } from '../core/config/configIndex';
import type { CliIo } from './io';

const MAX_PRINTED = 20;

export function printParseProblems(io: CliIo, file: string, text: string, problems: readonly ParseProblem[]): void {
  const lines = new LineIndex(text);
  for (const p of problems.slice(0, MAX_PRINTED)) {
    const { line, column } = lines.at(p.offset);
    io.err(`${file}:${line}:${column}: error: ${p.message}\n`);
  }
  if (problems.length > MAX_PRINTED) io.err(`${file}: error: …and ${problems.length - MAX_PRINTED} more problems\n`);
}
