// Reading the run records the extension writes (`.sdxl/runs/<id>/`): for the specs, and for the harness's report on a
// failed spec. Plain files only, so the harness can use it without the stand-in helpers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of `.sdxl/runs/<id>/run.json` the specs read. */
export interface RunRecordFile {
  id: string;
  name: string;
  state: 'queued' | 'starting' | 'running' | 'succeeded' | 'failed' | 'stopped';
  outputDir?: string;
  resumedFrom?: string;
  configPath?: string;
  pid?: number;
  createdAt: string;
  plan: { argv: string[] };
  /** The Slurm job of a `slurm`-profile run. */
  slurm?: { jobId: string; state: string; reason?: string; nodes?: string };
}

export interface RecordOnDisk {
  dir: string;
  record: RunRecordFile;
}

/** Every run record of the workspace (records being written are skipped). */
export function runRecords(workspace: string): RecordOnDisk[] {
  const root = join(workspace, '.sdxl', 'runs');
  if (!existsSync(root)) return [];
  const out: RecordOnDisk[] = [];
  for (const id of readdirSync(root)) {
    const dir = join(root, id);
    try {
      out.push({ dir, record: JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunRecordFile });
    } catch {
      /* not a record, or mid-write */
    }
  }
  return out;
}

export function consoleOf(rec: RecordOnDisk): string {
  const p = join(rec.dir, 'console.log');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}
