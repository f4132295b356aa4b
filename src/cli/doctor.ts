// `sdxl-trainer doctor [--python PATH] [--config FILE] [--json]`: the Python environment a training would run in —
// torch and CUDA, diffusers against the script's minimum, accelerate and its config, the packages the config asks
// for — with a fix for each problem. Exit status 1 when something is an error.
import { resolve } from 'node:path';
import { parseConfigText } from '../core/config/config';
import { doctorTarget, runDoctor } from '../core/env/doctor';
import { reportText } from '../core/env/report';
import { parseFlags, UsageError, type CliIo } from './io';
import { readConfigFile } from './validate';

const USAGE = 'usage: doctor [--python PATH] [--config FILE] [--json]';

export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['json']);
  if (positional.length > 0) throw new UsageError(USAGE);
  const python = flags.get('python');
  const configFlag = flags.get('config');
  if (python === true || configFlag === true) throw new UsageError(USAGE);
  let config;
  if (typeof configFlag === 'string') {
    const file = resolve(io.cwd, configFlag);
    const read = readConfigFile(file);
    if ('error' in read) throw new Error(`${file} ${read.error}.`);
    const parsed = parseConfigText(read.text);
    if (!parsed.config) throw new Error(`${file} is not a usable config: ${parsed.problems[0]?.message ?? 'it cannot be read'} (see: validate ${configFlag})`);
    config = { config: parsed.config, path: file };
  }
  const target = doctorTarget({ ...(typeof python === 'string' ? { python: resolveIfPath(io.cwd, python) } : {}), ...(config ? { config } : {}) });
  if ('error' in target) throw new Error(target.error);
  const timeout = process.env.SDXL_DOCTOR_TIMEOUT_MS ? Number(process.env.SDXL_DOCTOR_TIMEOUT_MS) : undefined;
  const report = await runDoctor(target, timeout !== undefined && timeout > 0 ? { timeoutMs: timeout } : {});
  if (flags.has('json')) io.out(JSON.stringify(report, null, 2) + '\n');
  else io.out(reportText(report));
  return report.status === 'error' ? 1 : 0;
}

/** A path with a separator is taken from the current folder; a bare name (`python3`) is looked up on PATH by spawn. */
function resolveIfPath(cwd: string, p: string): string {
  return p.includes('/') || (process.platform === 'win32' && p.includes('\\')) ? resolve(cwd, p) : p;
}
