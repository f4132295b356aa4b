// Run records as a repository (or another machine) could plant them in `.sdxl/runs/`, for the security specs: a queued
// one whose argv would leave a marker file, and "running" ones naming processes the test started (`sleep`).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pidExists, processStartTime } from '../../src/core/supervisor/processTree';
import { liveGroups, until } from './processes.js';

/** Writes `.sdxl/runs/<id>/run.json` as given (no machine seal: this machine did not create it). Returns the folder. */
function writeRecord(workspace: string, record: Record<string, unknown> & { id: string }): string {
  const dir = join(workspace, '.sdxl', 'runs', record.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2), { mode: 0o600 });
  return dir;
}

/** A queued record whose argv runs `python3 planted.py MARKER`, which would write MARKER. */
export function plantQueued(workspace: string, marker: string): { id: string; dir: string; script: string } {
  const script = join(workspace, 'planted.py');
  writeFileSync(script, 'import sys\nopen(sys.argv[1], "w").write("ran")\n');
  const id = '20200101-000000-planted-queued';
  const dir = writeRecord(workspace, {
    id,
    name: 'planted queued',
    script: 'lora',
    plan: { argv: ['python3', script, marker], env: {}, cwd: workspace, script: 'lora' },
    outputDir: join(workspace, 'planted-out'),
    createdAt: '2020-01-01T00:00:00.000Z',
    state: 'queued',
    gpus: { count: 1 },
  });
  return { id, dir, script };
}

/** A "running" record naming `trainer` (with `trainerStart` as its start time, or none) and a wrapper. */
export function plantRunning(
  workspace: string,
  id: string,
  name: string,
  trainer: number,
  trainerStart: string | undefined,
  wrapper: { pid: number; start: string },
): string {
  return writeRecord(workspace, {
    id,
    name,
    script: 'lora',
    plan: { argv: ['python3', 'train_text_to_image_lora_sdxl.py', `--output_dir=./output/${id}`], env: {}, cwd: workspace, script: 'lora' },
    outputDir: join(workspace, 'output', id),
    createdAt: new Date().toISOString(),
    startedAt: new Date().toISOString(),
    state: 'running',
    gpus: { count: 1 },
    pid: trainer,
    pgid: trainer,
    ...(trainerStart !== undefined ? { procStartTime: trainerStart } : {}),
    wrapperPid: wrapper.pid,
    wrapperStartTime: wrapper.start,
  });
}

/** A `sleep 600` in its own process group, killed when the runner exits; returns its pid and start time. */
export async function foreignSleep(): Promise<{ pid: number; start: string; kill: () => void }> {
  const child = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  const pid = child.pid!;
  liveGroups.add(pid);
  child.unref();
  const start = await until(`the start time of sleep ${pid}`, 10_000, () => processStartTime(pid));
  return {
    pid,
    start,
    kill: () => {
      liveGroups.delete(pid);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}

/** The process is alive and still the one that started at `start` (not a reused pid). */
export async function stillAlive(p: { pid: number; start: string }): Promise<boolean> {
  return pidExists(p.pid) && (await processStartTime(p.pid)) === p.start;
}
