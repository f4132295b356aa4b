// The checks of the launch profiles' settings, written once: buildLaunchPlan throws the first problem (LaunchPlanError)
// and the diagnostics report every one at its key. Pure; no vscode, no file system.
//   - distributedLaunch: what `multi-gpu` / `multi-node` add to `accelerate launch` from launch.accelerateArgs.
//   - checkSlurmSettings: `launch.slurm` typed, one line per option, defaults filled.
import { SLURM_KEYS, type LaunchProfile, type SlurmSettings } from '../config/config';
import { describeValue } from './describeValue';

/** accelerate's default rendezvous port (`--main_process_port`). */
export const ACCELERATE_DEFAULT_PORT = 29500;

/** One problem with a setting; `path` is its place in the config (`['launch', 'slurm', 'setup', '2']`). */
export interface SettingProblem {
  path: string[];
  message: string;
  /** `type`: a wrong JSON type (argChecks reports those for accelerateArgs); `unknown-key`: `key` is not a setting. */
  kind: 'missing' | 'range' | 'type' | 'line-break' | 'unknown-key';
  key?: string;
}

/** `launch.slurm` checked, with its defaults filled in: what sbatchScript.ts writes. */
export interface SlurmJob extends SlurmSettings {
  nodes: number;
  gpusPerNode: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `launch.accelerateArgs.x` or `launch.slurm.x` in messages. */
const dotted = (path: string[]): string => path.map((p, i) => (i === 0 ? p : /^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');

/** A flag accelerateArgv writes: anything but absent, null and false. */
export function isFlagSet(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

class Collector {
  readonly problems: SettingProblem[] = [];
  constructor(private readonly parent: string[]) {}

  add(key: string | string[], kind: SettingProblem['kind'], message: string): void {
    this.problems.push({ path: [...this.parent, ...(Array.isArray(key) ? key : [key])], message, kind });
  }

  /** An integer >= min, or undefined (absent, or a problem recorded). */
  int(obj: Record<string, unknown>, key: string, min: number): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    const where = dotted([...this.parent, key]);
    if (typeof v !== 'number' || !Number.isInteger(v)) this.add(key, 'type', `${where} must be an integer >= ${min}, not ${describeValue(v)}`);
    else if (v < min) this.add(key, 'range', `${where} must be an integer >= ${min}, not ${describeValue(v)}`);
    else return v;
    return undefined;
  }

  /** One line of a job script: no line break, or it would become a line of its own (an `#SBATCH` option, a command). */
  line(path: string[], v: unknown): string | undefined {
    if (v === undefined || v === null) return undefined;
    const where = dotted([...this.parent, ...path]);
    if (typeof v !== 'string') this.add(path, 'type', `${where} must be a string, not ${describeValue(v)}`);
    else if (/[\r\n\u0000]/.test(v)) this.add(path, 'line-break', `${where} must be one line: it holds a line break or NUL character`);
    else return v;
    return undefined;
  }

  lines(key: string, v: unknown): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.add(key, 'type', `${dotted([...this.parent, key])} must be an array of strings, not ${describeValue(v)}`);
      return undefined;
    }
    const out: string[] = [];
    v.forEach((x: unknown, i) => {
      const s = this.line([key, String(i)], x);
      if (s !== undefined) out.push(s);
    });
    return out;
  }
}

/** The forms of sbatch's --time (anything else: `sbatch: error: Invalid --time specification`, checked on 22.05). */
const SLURM_TIME = /^(?:\d+(?::\d+){0,2}|\d+-\d+(?::\d+){0,2}|unlimited|infinite)$/i;

/** `launch.slurm` checked: the job (defaults 1 node, 1 GPU per node) and every problem, in key order. */
export function checkSlurmSettings(raw: unknown): { job: SlurmJob; problems: SettingProblem[] } {
  const c = new Collector(['launch', 'slurm']);
  if (raw !== undefined && raw !== null && !isObject(raw)) {
    c.add([], 'type', `launch.slurm must be an object of sbatch settings, not ${describeValue(raw)}`);
    return { job: { nodes: 1, gpusPerNode: 1 }, problems: c.problems };
  }
  const s: Record<string, unknown> = isObject(raw) ? raw : {};
  const job: SlurmJob = { nodes: c.int(s, 'nodes', 1) ?? 1, gpusPerNode: c.int(s, 'gpusPerNode', 0) ?? 1 };
  for (const key of ['partition', 'account', 'qos', 'memory', 'time'] as const) {
    const v = c.line([key], s[key]);
    if (v !== undefined && v !== '' && key === 'time' && !SLURM_TIME.test(v.trim()))
      c.add(
        key,
        'range',
        `launch.slurm.time ${JSON.stringify(v)} is not a time sbatch takes: "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours", "days-hours:minutes", "days-hours:minutes:seconds" or "UNLIMITED"`,
      );
    else if (v !== undefined && v !== '') job[key] = v;
  }
  const cpus = c.int(s, 'cpusPerTask', 1);
  if (cpus !== undefined) job.cpusPerTask = cpus;
  const port = c.int(s, 'mainProcessPort', 1);
  if (port !== undefined && port > 65535) c.add('mainProcessPort', 'range', `launch.slurm.mainProcessPort must be a port (1…65535), not ${port}`);
  else if (port !== undefined) job.mainProcessPort = port;
  const setup = c.lines('setup', s.setup);
  if (setup?.length) job.setup = setup;
  const extra = c.lines('sbatchArgs', s.sbatchArgs);
  if (extra?.length) job.sbatchArgs = extra;
  for (const k of Object.keys(s)) {
    if ((SLURM_KEYS as readonly string[]).includes(k)) continue;
    c.problems.push({
      path: ['launch', 'slurm', k],
      kind: 'unknown-key',
      key: k,
      message: `launch.slurm has unknown key ${JSON.stringify(k)} (expected ${SLURM_KEYS.join(', ')})`,
    });
  }
  return { job, problems: c.problems };
}

/** What a profile adds to `accelerate launch`, and how many processes it runs. */
export interface DistributedLaunch {
  /** Flags to add after the user's accelerateArgs; never one the user set already. */
  words: string[];
  problems: SettingProblem[];
  /** Processes over the whole job, when known (batch-size arithmetic); undefined for one or unknown. */
  totalProcesses?: number;
  /** Processes on this machine, when known. */
  processesPerMachine?: number;
}

/**
 * The GPU indices a comma list names (`gpu_ids`, CUDA_VISIBLE_DEVICES), unique and sorted ("3,0,3" → [0, 3]);
 * undefined for "all", absent, empty or anything but indices (UUIDs).
 */
export function gpuIdList(v: unknown): number[] | undefined {
  if (typeof v !== 'string' || v.trim() === 'all') return undefined;
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0 || !parts.every((p) => /^\d+$/.test(p))) return undefined;
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/**
 * The accelerate flags of `profile` from `launch.accelerateArgs` (docs/scale-out.md):
 * - `multi-gpu`: `--multi_gpu` and `--num_processes` (num_processes, else the count of gpu_ids; neither: a problem);
 * - `multi-node`: needs num_machines >= 2, machine_rank < num_machines and main_process_ip; adds `--main_process_port
 *   29500` when unset, `--num_processes` from gpu_ids × machines when unset, `--multi_gpu` with more than one process
 *   per machine. num_processes is the total over all machines (accelerate's meaning).
 * - `local` and `slurm` add nothing here (the job script adds Slurm's flags on each node).
 */
export function distributedLaunch(profile: LaunchProfile, accelerateArgs: Record<string, unknown> | undefined): DistributedLaunch {
  const acc = accelerateArgs ?? {};
  const c = new Collector(['launch', 'accelerateArgs']);
  const words: string[] = [];
  const np = c.int(acc, 'num_processes', 1);
  const ids = gpuIdList(acc.gpu_ids);
  if (profile === 'local' || profile === 'slurm') {
    // A Slurm job's count comes from launch.slurm (sbatchScript.ts); a local one is whatever the user set, unchecked.
    return { words, problems: [], ...(profile === 'local' && np !== undefined ? { totalProcesses: np, processesPerMachine: np } : {}) };
  }
  if (profile === 'multi-gpu') {
    if (!isFlagSet(acc.multi_gpu)) words.push('--multi_gpu');
    let total = np;
    if (total === undefined && ids !== undefined) {
      total = ids.length;
      words.push('--num_processes', String(total));
    }
    if (total === undefined && !isFlagSet(acc.num_processes)) {
      c.add(
        'num_processes',
        'missing',
        'Profile "multi-gpu" needs launch.accelerateArgs.num_processes (one process per GPU), or gpu_ids listing the GPUs to use',
      );
    }
    return { words, problems: c.problems, ...(total !== undefined ? { totalProcesses: total, processesPerMachine: total } : {}) };
  }
  // multi-node
  const machines = c.int(acc, 'num_machines', 1);
  if (machines === undefined && !isFlagSet(acc.num_machines))
    c.add('num_machines', 'missing', 'Profile "multi-node" needs launch.accelerateArgs.num_machines (2 or more machines)');
  else if (machines !== undefined && machines < 2)
    c.add(
      'num_machines',
      'range',
      `Profile "multi-node" needs launch.accelerateArgs.num_machines >= 2, not ${machines} (one machine: use profile "multi-gpu" or "local")`,
    );
  const rank = c.int(acc, 'machine_rank', 0);
  if (rank === undefined && !isFlagSet(acc.machine_rank))
    c.add('machine_rank', 'missing', 'Profile "multi-node" needs launch.accelerateArgs.machine_rank (0 on the main machine, 1, 2, … on the others)');
  else if (rank !== undefined && machines !== undefined && machines >= 2 && rank >= machines)
    c.add('machine_rank', 'range', `launch.accelerateArgs.machine_rank ${rank} must be below num_machines (${machines}): ranks are 0…${machines - 1}`);
  const ip = acc.main_process_ip;
  if (ip === undefined || ip === null || (typeof ip === 'string' && ip.trim() === ''))
    c.add('main_process_ip', 'missing', 'Profile "multi-node" needs launch.accelerateArgs.main_process_ip (the address of the machine of rank 0)');
  if (!isFlagSet(acc.main_process_port)) words.push('--main_process_port', String(ACCELERATE_DEFAULT_PORT));
  let perMachine: number | undefined;
  let total = np;
  if (machines !== undefined && machines >= 2) {
    if (np !== undefined) {
      if (np % machines !== 0)
        c.add(
          'num_processes',
          'range',
          `launch.accelerateArgs.num_processes (${np}) is the total over all machines: it must be a multiple of num_machines (${machines})`,
        );
      else perMachine = np / machines;
    } else if (ids !== undefined) {
      perMachine = ids.length;
      total = ids.length * machines;
      words.push('--num_processes', String(total));
    }
  }
  if (perMachine !== undefined && perMachine > 1 && !isFlagSet(acc.multi_gpu)) words.unshift('--multi_gpu');
  return {
    words,
    problems: c.problems,
    ...(total !== undefined ? { totalProcesses: total } : {}),
    ...(perMachine !== undefined ? { processesPerMachine: perMachine } : {}),
  };
}
