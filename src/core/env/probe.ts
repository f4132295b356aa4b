// The environment probe: runs PROBE_SOURCE in an interpreter (bounded: util/boundedRun) and reads its one JSON line
// into an EnvProbe, checking each field's type, so garbage, a truncated line or another program's output is a clear
// error naming what was wrong rather than a wrong report.
import { runBounded, type BoundedFailure } from '../util/boundedRun';
import { PROBE_MARKER, PROBE_SOURCE, PROBED_PACKAGES, type ProbedPackage } from './probeSource';
import { errText } from '../util/errText';

export interface GpuFact {
  name: string;
  totalMemoryBytes: number;
  /** Compute capability, e.g. `8.6`. */
  capability: string;
}

export interface TorchFact {
  version: string;
  /** `torch.version.cuda`: null for a CPU build. */
  cuda: string | null;
  cudaAvailable: boolean;
  gpus: GpuFact[];
  /** What querying CUDA raised, when it did. */
  cudaError: string | null;
}

export interface AccelerateConfigFact {
  path: string;
  /** The launch's `--config_file`, not the default place. */
  explicit: boolean;
  exists: boolean;
  /** The settings the doctor reports (num_processes, mixed_precision, distributed_type, …). */
  values: Record<string, string | number | boolean | null> | null;
  error: string | null;
}

export interface EnvProbe {
  python: { version: string; executable: string; prefix: string };
  /** Installed version of each probed distribution, null when not installed. */
  packages: Record<ProbedPackage, string | null>;
  /** Installed but failing to import: the exception, by package. */
  brokenImports: Record<string, string>;
  torch: TorchFact | null;
  accelerateConfig: AccelerateConfigFact;
  metadataError: string | null;
}

export type ProbeResult = { ok: true; probe: EnvProbe } | { ok: false; failure: BoundedFailure | 'output'; reason: string };

/** Importing torch takes tens of seconds on a cold, loaded machine. */
export const DEFAULT_PROBE_TIMEOUT_MS = 60_000;
export const DEFAULT_PROBE_MAX_BYTES = 4 * 1024 * 1024;

export interface ProbeRequest {
  python: string;
  cwd?: string;
  /** The whole environment the run would get (HF_HOME decides where accelerate's config is). */
  env: Record<string, string | undefined>;
  /** The launch's `--config_file` for accelerate, when it names one. */
  accelerateConfigFile?: string;
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
}

export type ProbeRunner = (req: ProbeRequest) => Promise<ProbeResult>;

export const runProbe: ProbeRunner = async (req) => {
  const out = await runBounded({
    command: req.python,
    args: ['-c', PROBE_SOURCE, ...(req.accelerateConfigFile ? [req.accelerateConfigFile] : [])],
    ...(req.cwd !== undefined ? { cwd: req.cwd } : {}),
    env: { ...req.env, PYTHONIOENCODING: 'utf-8' },
    timeoutMs: req.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
    maxBytes: req.maxBytes ?? DEFAULT_PROBE_MAX_BYTES,
    what: `${req.python} (environment probe)`,
    ...(req.signal ? { signal: req.signal } : {}),
  });
  if (!out.ok) {
    if (out.failure === 'missing') return { ok: false, failure: 'missing', reason: `no Python interpreter at ${req.python}` };
    if (out.failure === 'exit' && out.stderr.includes('SyntaxError')) {
      return { ok: false, failure: 'exit', reason: `${req.python} could not run the probe (a Python 2 or not Python at all?): ${out.reason}` };
    }
    return { ok: false, failure: out.failure, reason: out.reason };
  }
  const parsed = parseProbeOutput(out.stdout);
  return 'error' in parsed ? { ok: false, failure: 'output', reason: `${req.python}: ${parsed.error}` } : { ok: true, probe: parsed };
};

/** A short, printable piece of what a program wrote, for messages. */
function snippet(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 80 ? `${t.slice(0, 80)}…` : t;
}

class ShapeError extends Error {}

function obj(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ShapeError(`${where} is not an object`);
  return v as Record<string, unknown>;
}
function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw new ShapeError(`${where} is not a string`);
  return v;
}
function strOrNull(v: unknown, where: string): string | null {
  return v === null || v === undefined ? null : str(v, where);
}
function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') throw new ShapeError(`${where} is not true/false`);
  return v;
}

/** The probe's result line read from its stdout, or what is wrong with the output. */
export function parseProbeOutput(stdout: string): EnvProbe | { error: string } {
  const at = stdout.lastIndexOf(PROBE_MARKER);
  if (at < 0) {
    return {
      error:
        stdout.trim() === ''
          ? 'the environment probe printed nothing (is it a Python interpreter?)'
          : `the environment probe printed no result line (is it a Python interpreter?); it printed: "${snippet(stdout)}"`,
    };
  }
  const line = stdout
    .slice(at + PROBE_MARKER.length)
    .split('\n')[0]!
    .trim();
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { error: `the environment probe's result is not valid JSON (cut short?): ${errText(e)}` };
  }
  try {
    return probeFromJson(value);
  } catch (e) {
    if (e instanceof ShapeError) return { error: `the environment probe's result is malformed: ${e.message}` };
    throw e;
  }
}

function probeFromJson(value: unknown): EnvProbe {
  const root = obj(value, 'the result');
  const py = obj(root.python, 'python');
  const pk = obj(root.packages, 'packages');
  const packages = {} as Record<ProbedPackage, string | null>;
  for (const name of PROBED_PACKAGES) packages[name] = strOrNull(pk[name], `packages.${name}`);
  const brokenImports: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(root.brokenImports ?? {}, 'brokenImports'))) brokenImports[k] = str(v, `brokenImports.${k}`);
  let torch: TorchFact | null = null;
  if (root.torch !== null && root.torch !== undefined) {
    const t = obj(root.torch, 'torch');
    if (!Array.isArray(t.gpus)) throw new ShapeError('torch.gpus is not a list');
    torch = {
      version: str(t.version, 'torch.version'),
      cuda: strOrNull(t.cuda, 'torch.cuda'),
      cudaAvailable: bool(t.cudaAvailable, 'torch.cudaAvailable'),
      gpus: t.gpus.map((g: unknown, i) => {
        const o = obj(g, `torch.gpus[${i}]`);
        const mem = o.totalMemoryBytes;
        if (typeof mem !== 'number' || !Number.isFinite(mem) || mem < 0) throw new ShapeError(`torch.gpus[${i}].totalMemoryBytes is not a byte count`);
        return { name: str(o.name, `torch.gpus[${i}].name`), totalMemoryBytes: mem, capability: str(o.capability, `torch.gpus[${i}].capability`) };
      }),
      cudaError: strOrNull(t.cudaError, 'torch.cudaError'),
    };
  }
  const a = obj(root.accelerateConfig, 'accelerateConfig');
  let values: AccelerateConfigFact['values'] = null;
  if (a.values !== null && a.values !== undefined) {
    values = {};
    for (const [k, v] of Object.entries(obj(a.values, 'accelerateConfig.values'))) {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') values[k] = v;
      else throw new ShapeError(`accelerateConfig.values.${k} is not a plain value`);
    }
  }
  return {
    python: { version: str(py.version, 'python.version'), executable: str(py.executable, 'python.executable'), prefix: str(py.prefix ?? '', 'python.prefix') },
    packages,
    brokenImports,
    torch,
    accelerateConfig: {
      path: str(a.path, 'accelerateConfig.path'),
      explicit: bool(a.explicit ?? false, 'accelerateConfig.explicit'),
      exists: bool(a.exists, 'accelerateConfig.exists'),
      values,
      error: strOrNull(a.error, 'accelerateConfig.error'),
    },
    metadataError: strOrNull(root.metadataError, 'metadataError'),
  };
}
