// `sdxl-trainer estimate FILE [--json] [--attention sdpa|xformers|naive]`: peak GPU memory of a config's training run.
import { resolve } from 'node:path';
import { parseConfigText } from '../core/config/config';
import { absurdEstimateInputs, estimateMemory, type AbsurdInput, type AttentionKind } from '../core/config/memoryEstimate';
import { parseFlags, UsageError, type CliIo } from './io';
import { printParseProblems } from './parseProblems';
import { readConfigFile } from './validate';

const ATTENTION: readonly AttentionKind[] = ['sdpa', 'xformers', 'naive'];

export async function estimateCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  if (positional.length !== 1) throw new UsageError('usage: estimate FILE [--json] [--attention sdpa|xformers|naive]');
  const attention = flags.get('attention');
  if (attention !== undefined && !ATTENTION.includes(attention as AttentionKind)) throw new UsageError('--attention must be sdpa, xformers or naive');
  const file = resolve(io.cwd, positional[0]!);
  const read = readConfigFile(file);
  if ('error' in read) {
    io.err(`${file}: error: ${file} ${read.error}.\n`);
    return 1;
  }
  const parsed = parseConfigText(read.text);
  // A syntax error may leave a config that parses, but not the one the file means: no estimate of a guess.
  if (!parsed.config || parsed.problems.length > 0) {
    printParseProblems(io, file, read.text, parsed.problems);
    if (parsed.problems.length === 0) io.err(`${file}: error: not a training config\n`);
    return 1;
  }
  const options = attention ? { attention: attention as AttentionKind } : {};
  const absurd = absurdEstimateInputs(parsed.config, options);
  if (absurd.length > 0) {
    io.err(`${file}: error: no memory estimate: ${absurd.map(describeAbsurd).join('; ')}\n`);
    return 1;
  }
  const est = estimateMemory(parsed.config, options);
  if (!Number.isFinite(est.totalGiB)) {
    io.err(`${file}: error: no memory estimate: the numbers in the config make it overflow\n`);
    return 1;
  }
  if (flags.has('json')) {
    io.out(JSON.stringify(est, null, 2) + '\n');
    return 0;
  }
  let width = 0;
  for (const b of est.breakdown) width = Math.max(width, b.label.length);
  const lines = [
    `Estimated peak GPU memory: ${est.totalGiB.toFixed(1)} GiB per GPU (${parsed.config.script})`,
    ...est.breakdown.map((b) => `  ${b.label.padEnd(width)}  ${b.gib.toFixed(2).padStart(6)} GiB`),
    `Basis: ${est.basis}`,
    'Assumptions:',
    ...est.assumptions.map((a) => `  - ${a}`),
  ];
  io.out(lines.join('\n') + '\n');
  return 0;
}

function describeAbsurd(a: AbsurdInput): string {
  return a.why === 'infinite'
    ? `${a.key} is ${a.value > 0 ? '' : '-'}Infinity as JSON reads it (a number beyond 1.8e308)`
    : `${a.key} is ${a.value}, too large to estimate (the memory it implies is beyond any number)`;
}
