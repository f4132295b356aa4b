// The marker a setup leaves in its venv folder (`.sdxl-setup.json`): written before the first step and after each
// one, `done` only once every step has succeeded, so a setup that failed, was cancelled or whose process died says so
// when it is looked at again (never "done" when it is not).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errText } from '../util/errText';
import { pidAlive } from '../util/pidAlive';

export const SETUP_RECORD_FILE = '.sdxl-setup.json';

export interface SetupRecord {
  version: 1;
  status: 'running' | 'failed' | 'cancelled' | 'done';
  release: string;
  venvDir: string;
  python: string;
  scriptPath: string;
  /** Titles of the plan's steps, in order. */
  steps: string[];
  /** How many steps have finished, from the first. */
  done: number;
  /** The process running the steps, to tell a live setup from one whose process died. */
  pid: number;
  startedAt: string;
  endedAt?: string;
  /** Why it failed or was cancelled. */
  message?: string;
}

export function setupRecordPath(venvDir: string): string {
  return path.join(venvDir, SETUP_RECORD_FILE);
}

/** Replaces the record whole (temp file + rename), so a reader never sees half of one. */
export async function writeSetupRecord(file: string, record: SetupRecord): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await fs.rename(tmp, file);
}

export type ReadRecord = { found: false } | { found: true; record: SetupRecord } | { found: true; unreadable: string };

export async function readSetupRecord(file: string): Promise<ReadRecord> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
    return { found: true, unreadable: `${file} could not be read: ${errText(e)}` };
  }
  try {
    const v = JSON.parse(text) as Partial<SetupRecord> | null;
    const statuses: unknown[] = ['running', 'failed', 'cancelled', 'done'];
    if (!v || typeof v !== 'object' || v.version !== 1 || !statuses.includes(v.status) || !Array.isArray(v.steps) || typeof v.done !== 'number') {
      return { found: true, unreadable: `${file} is not a setup record this version knows` };
    }
    return { found: true, record: v as SetupRecord };
  } catch (e) {
    return { found: true, unreadable: `${file} is not valid JSON: ${errText(e)}` };
  }
}

export type SetupState = 'none' | 'done' | 'running' | 'half-done';

/** What a venv folder's record says, in a sentence; `half-done` for anything started and not finished. */
export function describeSetup(read: ReadRecord, alive: (pid: number) => boolean = pidAlive): { state: SetupState; text: string } {
  if (!read.found) return { state: 'none', text: 'No setup has been run in this folder.' };
  if ('unreadable' in read) return { state: 'half-done', text: `The setup record is unreadable (${read.unreadable}); treat the environment as not set up.` };
  const r = read.record;
  const total = r.steps.length;
  const current = `step ${Math.min(r.done + 1, total)}/${total} (${r.steps[Math.min(r.done, total - 1)] ?? '?'})`;
  switch (r.status) {
    case 'done':
      return { state: 'done', text: `Set up${r.endedAt ? ` on ${r.endedAt}` : ''}: diffusers ${r.release}, ${r.python}.` };
    case 'failed':
      return { state: 'half-done', text: `The last setup of ${r.venvDir} failed at ${current}; it is half set up. ${r.message ?? ''}`.trim() };
    case 'cancelled':
      return { state: 'half-done', text: `The last setup of ${r.venvDir} was cancelled during ${current}; it is half set up.` };
    case 'running':
      return alive(r.pid)
        ? { state: 'running', text: `A setup of ${r.venvDir} is running (process ${r.pid}), at ${current}.` }
        : {
            state: 'half-done',
            text: `The last setup of ${r.venvDir} stopped during ${current} without finishing (its process ended: VS Code closed or it was killed); it is half set up.`,
          };
  }
}
