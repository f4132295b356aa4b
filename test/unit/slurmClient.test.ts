import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandSlurmClient, parseSbatchParsable, parseScontrolFields, parseScontrolJob, type SlurmRunner } from '../../src/core/supervisor/slurmClient';
import { SlurmError, runStatusOfSlurm } from '../../src/core/supervisor/slurmTypes';
import { sbatchScript } from '../../src/core/launch/sbatchScript';
import { repoRoot } from './repoRoot';

const fixture = (name: string) => readFileSync(join(repoRoot(), 'test', 'fixtures', 'slurm', name), 'utf8');

test('scontrol show job -o, recorded from Slurm 22.05.8: state, reason, nodes, exit code of each kind of job', () => {
  const pending = parseScontrolJob(fixture('pending.scontrol.txt'))!;
  assert.deepEqual(
    { s: pending.state, r: pending.reason, n: pending.nodes, st: pending.startTime },
    { s: 'PENDING', r: 'Resources', n: undefined, st: undefined },
  );
  assert.equal(runStatusOfSlurm(pending.state), 'starting');
  const running = parseScontrolJob(fixture('running.scontrol.txt'))!;
  assert.deepEqual(
    { s: running.state, r: running.reason, n: running.nodes, st: running.startTime, e: running.endTime },
    { s: 'RUNNING', r: undefined, n: 'vm', st: '2026-11-29T18:48:10', e: undefined },
  );
  const failed = parseScontrolJob(fixture('failed.scontrol.txt'))!;
  assert.deepEqual({ s: failed.state, r: failed.reason, x: failed.exitCode, g: failed.signal }, { s: 'FAILED', r: 'NonZeroExitCode', x: 3, g: 0 });
  assert.equal(runStatusOfSlurm(failed.state), 'failed');
  const cancelled = parseScontrolJob(fixture('cancelled.scontrol.txt'))!;
  assert.deepEqual({ s: cancelled.state, x: cancelled.exitCode, g: cancelled.signal }, { s: 'CANCELLED', x: 0, g: 15 });
  assert.equal(runStatusOfSlurm(cancelled.state), 'stopped');
  const done = parseScontrolJob(fixture('completed.scontrol.txt'))!;
  assert.deepEqual({ id: done.jobId, s: done.state, x: done.exitCode, e: done.endTime }, { id: '5', s: 'COMPLETED', x: 0, e: '2026-11-29T18:48:24' });
  assert.equal(parseScontrolJob(''), undefined);
});

test('scontrol fields: a value with spaces (a workspace path) stays one value', () => {
  const f = parseScontrolFields('JobId=7 JobState=RUNNING Command=/w/my runs/job.sbatch WorkDir=/w/my runs StdOut=/w/my runs/console.log Power=');
  assert.equal(f.get('Command'), '/w/my runs/job.sbatch');
  assert.equal(f.get('StdOut'), '/w/my runs/console.log');
  assert.equal(f.get('Power'), '');
});

test('sbatch --parsable: a job id, with a cluster on a federation; anything else is no id', () => {
  assert.deepEqual(parseSbatchParsable('42\n'), { jobId: '42' });
  assert.deepEqual(parseSbatchParsable('42;gpu-cluster\n'), { jobId: '42', cluster: 'gpu-cluster' });
  assert.equal(parseSbatchParsable('sbatch: error: x\n'), undefined);
});

function fakeRunner(answers: Record<string, { code: number | null; stdout?: string; stderr?: string; error?: string }>) {
  const calls: { cmd: string; args: string[]; env?: Record<string, string>; cwd?: string }[] = [];
  const run: SlurmRunner = async (cmd, args, o) => {
    calls.push({ cmd, args, ...o });
    const a = answers[cmd] ?? { code: 0 };
    return { code: a.code, stdout: a.stdout ?? '', stderr: a.stderr ?? '', ...(a.error ? { error: a.error } : {}) };
  };
  return { run, calls };
}

test('the command client spawns argument arrays; a job Slurm forgot is undefined; failures carry stderr', async () => {
  const { run, calls } = fakeRunner({
    sbatch: { code: 0, stdout: '12\n' },
    scontrol: { code: 1, stderr: fixture('invalid.stderr.txt') },
  });
  const c = commandSlurmClient({ run });
  assert.deepEqual(await c.submit('/w/a b/job.sbatch', { cwd: '/w/a b', env: { HF_TOKEN: 'x' } }), { jobId: '12' });
  assert.deepEqual(calls[0], { cmd: 'sbatch', args: ['--parsable', '/w/a b/job.sbatch'], cwd: '/w/a b', env: { HF_TOKEN: 'x' } });
  assert.equal(await c.query('12'), undefined);
  assert.deepEqual(calls[1]!.args, ['show', 'job', '-o', '12']);
  await c.cancel('12');
  assert.deepEqual(calls[2], { cmd: 'scancel', args: ['12'] });
  await assert.rejects(c.query('12; rm -rf /'), /is not a Slurm job id/);

  const bad = commandSlurmClient({
    run: fakeRunner({
      sbatch: { code: 1, stderr: fixture('sbatch-missing.stderr.txt') },
      scontrol: { code: 1, stderr: 'slurm_load_jobs error: Unable to contact slurm controller' },
    }).run,
  });
  await assert.rejects(
    bad.submit('/nonexistent.sh', { cwd: '/', env: {} }),
    (e: unknown) => e instanceof SlurmError && /sbatch failed: sbatch: error: Unable to open file/.test(e.message),
  );
  await assert.rejects(bad.query('3'), (e: unknown) => e instanceof SlurmError && /Unable to contact slurm controller/.test(e.message));
  const missing = commandSlurmClient({ run: fakeRunner({ sbatch: { code: null, error: 'ENOENT' } }).run });
  await assert.rejects(missing.submit('/s', { cwd: '/', env: {} }), /sbatch was not found on PATH/);
});

test('in an untrusted workspace no Slurm command runs', async () => {
  const { run, calls } = fakeRunner({});
  const c = commandSlurmClient({ run, maySpawn: () => false });
  await assert.rejects(c.query('1'), /not run: the workspace is not trusted/);
  await assert.rejects(c.submit('/s', { cwd: '/', env: {} }), /not trusted/);
  assert.equal(calls.length, 0);
});

test('#SBATCH paths: a space is double-quoted (sbatch splits it otherwise), % is doubled in --output, a quote is refused', () => {
  const plan = {
    argv: ['accelerate', 'launch', 'train.py'],
    env: {},
    cwd: '/w/my runs',
    script: 'lora' as const,
    slurm: { nodes: 1, gpusPerNode: 0 },
  };
  const text = sbatchScript(plan, { outputFile: '/w/my runs/.sdxl/runs/r 100%/console.log', jobName: 'r' });
  assert.match(text, /^#SBATCH --output="\/w\/my runs\/\.sdxl\/runs\/r 100%%\/console\.log"$/m);
  assert.match(text, /^#SBATCH --chdir="\/w\/my runs"$/m);
  assert.match(sbatchScript({ ...plan, cwd: '/w/plain' }, { outputFile: '/w/plain/c.log', jobName: 'r' }), /^#SBATCH --chdir=\/w\/plain$/m);
  assert.throws(() => sbatchScript({ ...plan, cwd: '/w/a"b' }, { outputFile: '/w/c.log', jobName: 'r' }), /--chdir "\/w\/a\\"b" holds a double quote/);
});
