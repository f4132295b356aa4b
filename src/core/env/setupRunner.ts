// Runs a setup plan (setupPlan.ts) step by step: in order, output streamed (masked), stopped at the first failure with
// a message naming the step and what to try next, cancellable through an AbortSignal (the running process group is
// killed), and recorded in the venv's `.sdxl-setup.json` so a half-done setup says so later (setupRecord.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { errText } from '../util/errText';
import { redactText } from '../util/redact';
import type { SetupPlan, SetupStep } from './setupPlan';
import { describeSetup, readSetupRecord, setupRecordPath, writeSetupRecord, type SetupRecord } from './setupRecord';
import { checkScript, download, runProcess } from './setupSteps';

export interface SetupRunOptions {
  /** Everything to show the user: step headers, the processes' output, the outcome. Already masked. */
  onOutput(text: string): void;
  signal?: AbortSignal;
  /** Default: `.sdxl-setup.json` in the venv folder. */
  recordPath?: string;
  /** The environment the steps' own variables are added to (default: this process's). */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** After a cancel's SIGTERM, how long before SIGKILL (default 5 s). */
  killGraceMs?: number;
  /** A step starts (0-based index), for a progress notification. */
  onStep?(index: number, step: SetupStep): void;
}

export type SetupOutcome =
  | { status: 'done' }
  /** `step`: 1-based; 0 when the setup could not even record that it started. `message` names the step and the next thing to try. */
  | { status: 'failed' | 'cancelled'; step: number; title: string; message: string };

/** User and password in a URL (`https://user:secret@host/simple`) are masked wherever a step prints the index. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi;

export function maskSetupText(text: string): string {
  return redactText(text).replace(URL_CREDENTIALS, '$1***@');
}

function stepCommand(step: SetupStep): string {
  if (step.kind === 'run') return step.argv.map((a) => (/^[\w@%+=:,./\\-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
  if (step.kind === 'download') return `download ${step.url} → ${step.dest}`;
  return `check ${step.path}`;
}

async function runStep(step: SetupStep, o: Required<Pick<SetupRunOptions, 'killGraceMs'>> & SetupRunOptions, signal: AbortSignal): Promise<string | undefined> {
  const onOutput = (t: string): void => o.onOutput(maskSetupText(t));
  switch (step.kind) {
    case 'run':
      return runProcess({ argv: step.argv, env: { ...(o.baseEnv ?? process.env), ...step.env }, signal, onOutput, killGraceMs: o.killGraceMs });
    case 'download':
      return download(step.url, step.dest, signal);
    case 'checkScript':
      return checkScript(step.path, step.release);
  }
}

/**
 * A step that runs one of the venv's own programs when that program is missing or a dangling link: `python -m venv`
 * does not repair an existing venv whose base interpreter moved or was removed, so pip's hints would mislead.
 */
async function brokenVenvProgram(plan: SetupPlan, step: SetupStep): Promise<string | undefined> {
  const program = step.kind === 'run' ? step.argv[0] : undefined;
  if (!program || !program.startsWith(plan.venvDir + path.sep)) return undefined;
  try {
    await fs.stat(program);
    return undefined;
  } catch {
    const link = await fs.readlink(program).catch(() => undefined);
    return link === undefined
      ? `${program} is missing: the environment in ${plan.venvDir} is incomplete or broken`
      : `${program} links to ${link}, which is gone: the environment in ${plan.venvDir} is broken (its base Python moved or was removed)`;
  }
}

export async function runSetup(plan: SetupPlan, opts: SetupRunOptions): Promise<SetupOutcome> {
  const o = { killGraceMs: 5000, ...opts };
  const signal = opts.signal ?? new AbortController().signal;
  const say = (t: string): void => o.onOutput(maskSetupText(t));
  const recordFile = o.recordPath ?? setupRecordPath(plan.venvDir);
  const total = plan.steps.length;

  const before = describeSetup(await readSetupRecord(recordFile));
  if (before.state === 'half-done') say(`Note: ${before.text} Running the whole setup again.\n`);
  if (before.state === 'running') {
    const message = `${before.text} Wait for it to finish, or end it, before starting another one in the same folder (if none is running, delete ${recordFile}).`;
    say(`${message}\n`);
    return { status: 'failed', step: 0, title: 'Start', message };
  }

  const record: SetupRecord = {
    version: 1,
    status: 'running',
    release: plan.release,
    venvDir: plan.venvDir,
    python: plan.python,
    scriptPath: plan.scriptPath,
    steps: plan.steps.map((s) => s.title),
    done: 0,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  try {
    await fs.mkdir(path.dirname(recordFile), { recursive: true });
    await writeSetupRecord(recordFile, record);
  } catch (e) {
    const message = `The setup could not start: ${recordFile} could not be written (${errText(e)}). Pick a folder you can write to.`;
    say(`${message}\n`);
    return { status: 'failed', step: 0, title: 'Start', message };
  }

  for (let i = 0; i < total; i++) {
    const step = plan.steps[i]!;
    if (signal.aborted) return end(i, step, 'cancelled');
    o.onStep?.(i, step);
    say(`\n▶ (${i + 1}/${total}) ${step.title}\n$ ${stepCommand(step)}\n`);
    const started = Date.now();
    const broken = await brokenVenvProgram(plan, step);
    if (broken) return end(i, step, 'failed', broken, `Delete ${plan.venvDir} and run the setup again, or pick another folder.`);
    const why = await runStep(step, o, signal);
    if (signal.aborted) return end(i, step, 'cancelled');
    if (why !== undefined) return end(i, step, 'failed', why);
    say(`✓ ${step.title} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    record.done = i + 1;
    await writeSetupRecord(recordFile, record).catch(() => undefined); // best effort: the final write says the truth
  }
  record.status = 'done';
  record.endedAt = new Date().toISOString();
  try {
    await writeSetupRecord(recordFile, record);
  } catch (e) {
    // Every step ran, but "done" could not be recorded: a later look would say half-done, so say why now.
    say(`\nEvery step succeeded, but ${recordFile} could not be updated (${errText(e)}).\n`);
  }
  say(`\n✓ Setup done: ${plan.python}, diffusers ${plan.release}, script ${plan.scriptPath}\n`);
  return { status: 'done' };

  async function end(i: number, step: SetupStep, status: 'failed' | 'cancelled', why?: string, hint = step.hint): Promise<SetupOutcome> {
    const where = `step ${i + 1}/${total} "${step.title}"`;
    const message =
      status === 'cancelled'
        ? `Cancelled during ${where}: ${plan.venvDir} is half set up. Run the setup again to finish it.`
        : `Setup failed at ${where}: ${maskSetupText(why ?? 'unknown error')}. Next: ${hint}`;
    record.status = status;
    record.endedAt = new Date().toISOString();
    record.message = message;
    await writeSetupRecord(recordFile, record).catch(() => undefined); // stays "running", which also reads as half-done
    say(`\n✗ ${message}\n`);
    return { status, step: i + 1, title: step.title, message };
  }
}
