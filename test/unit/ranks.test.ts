// Multi-process consoles, per rank: the recorded real 2-process runs (test/fixtures/real-v0.27.2/multi-process-cpu) and
// the fake multi-rank `accelerate` (FAKE_ACCELERATE_TEE, STANDIN_FAIL_RANK) through the same parser and reducer;
// rank state stays bounded whatever the console holds; the monitor's replay from byte 0 equals what it saw live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { reduceAll } from '../../src/core/run/reducer';
import { EMPTY_RANKS, MAX_RANKS, isMultiRank, ranksOnFailure, ranksOnLine, ranksOnTraceback } from '../../src/core/run/ranks';
import { ranksView } from '../../src/core/view/dashboardModel';
import { initialRunState, type RunState } from '../../src/core/run/state';
import type { RunEvent } from '../../src/core/run/events';
import { isLauncherExceptionLine } from '../../src/core/run/failure';
import { RunMonitor, readRunState } from '../../src/core/monitor/runMonitor';
import { describeRun } from '../../src/core/view/format';
import { repoRoot, waitFor, within, workspace } from './supervisorTestKit';

const REAL = join(repoRoot, 'test', 'fixtures', 'real-v0.27.2', 'multi-process-cpu');
const FAKE_BIN = join(repoRoot, 'test', 'fixtures', 'fake-bin');
const unixOnly = { skip: process.platform === 'win32' ? 'the fake accelerate uses Unix process groups' : false, timeout: 120_000 };

function stateOf(console: string | Buffer, exit?: { code: number | null; signal: string | null }): RunState {
  const s = reduceAll(parseConsole(console));
  return exit ? reduceAll([{ type: 'exit', ...exit }], s) : s;
}

test('real 2-process run (MULTI_CPU, gloo): both ranks seen with their last lines, 2 processes, no failure', () => {
  const s = stateOf(readFileSync(join(REAL, 'console-2proc.log')), { code: 0, signal: null });
  assert.equal(s.state, 'finished');
  assert.equal(s.numProcesses, 2);
  assert.equal(s.step, 4);
  assert.deepEqual(
    s.ranks.ranks.map((r) => r.rank),
    [0, 1],
  );
  assert.match(s.ranks.ranks[0]!.lastLine!, /^Steps: 100%\|█+\| 4\/4 /);
  // Rank 1 only prints its accelerator state and torch's DDP warning (the main process draws the bar).
  assert.match(s.ranks.ranks[1]!.lastLine!, /reducer\.cpp:\d+\] Warning: find_unused_parameters=True/);
  assert.ok(s.ranks.ranks.every((r) => r.error === null));
  assert.equal(s.ranks.firstFailure, null);
  assert.equal(s.failure, null);
});

test('real 2-process run with rank 1 killed: rank 1 failed first (SIGKILL), not the Root Cause rank 0 whose error is its consequence', () => {
  const s = stateOf(readFileSync(join(REAL, 'console-2proc-rank1-killed.log')), { code: 1, signal: null });
  assert.equal(s.state, 'failed');
  assert.deepEqual(s.ranks.firstFailure, { rank: 1, error: 'killed by SIGKILL' });
  assert.equal(s.ranks.rootCause, 0);
  const [r0, r1] = s.ranks.ranks;
  assert.match(r0!.error!, /^RuntimeError: \[\.\/gloo\/transport\/tcp\/pair\.cc:\d+\] Connection closed by peer/);
  assert.equal(r0!.exitCode, 1);
  assert.deepEqual([r1!.exitCode, r1!.signal], [-9, 'SIGKILL']);
  // Classified by rank 1's evidence alone: a SIGKILL without a Python error of its own.
  assert.equal(s.failure?.class, 'host_oom_killed');
  assert.match(s.failure!.message, /^rank 1 failed first: The training process was killed \(SIGKILL\)/);
  // The Runs view's row and the CLI's summary line name the rank too (the tooltip shows the message above).
  assert.equal(describeRun(s), 'failed: Killed: out of host memory on rank 1 at step 1');
});

test('the first failure read and the one at the end agree: reducing event by event never keeps an earlier rank', () => {
  const events = parseConsole(readFileSync(join(REAL, 'console-2proc-rank1-killed.log')));
  let s = initialRunState();
  const named: string[] = [];
  for (const e of [...events, { type: 'exit', code: 1, signal: null } satisfies RunEvent]) {
    s = reduceAll([e], s);
    if (s.failure) named.push(s.failure.message.slice(0, 24));
  }
  assert.equal(named.at(-1), 'rank 1 failed first: The');
});

interface FakeRun {
  code: number | null;
  stderr: string;
}

const LAUNCH_ARGS = (processes: number) => [
  'launch',
  '--multi_gpu',
  `--num_processes=${processes}`,
  'train_dreambooth_lora_sdxl.py',
  '--pretrained_model_name_or_path=m',
  '--instance_data_dir=data',
  '--instance_prompt=x',
  '--max_train_steps=3',
  '--output_dir=out',
];

function fakeCwd(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'sdxl-ranks-'));
  mkdirSync(join(cwd, 'data'));
  for (let i = 0; i < 4; i++) writeFileSync(join(cwd, 'data', `${i}.png`), 'x');
  return cwd;
}

function fakeEnv(cwd: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: FAKE_BIN + delimiter + (process.env.PATH ?? ''),
    SDXL_STANDIN_TRAINER: '1',
    STANDIN_STEP_SECONDS: '0.01',
    STANDIN_PRECOMPUTE_SECONDS: '0.01',
    STANDIN_VALIDATION_SECONDS: '0.01',
    FAKE_GPU_STATE_DIR: join(cwd, 'gpu-state'),
    PYTHONUNBUFFERED: '1',
    ...env,
  };
}

function fakeLaunch(env: Record<string, string>, processes = 2): FakeRun {
  const cwd = fakeCwd();
  const r = spawnSync('accelerate', LAUNCH_ARGS(processes), { cwd, encoding: 'utf8', timeout: 90_000, env: fakeEnv(cwd, env) });
  return { code: r.status, stderr: r.stderr };
}

test('fake multi-rank accelerate (tee, [rankN]:): every line prefixed, every rank prints its accelerator state', unixOnly, () => {
  const r = fakeLaunch({ FAKE_ACCELERATE_TEE: 'rank' }, 3);
  assert.equal(r.code, 0, r.stderr);
  for (const rank of [0, 1, 2]) assert.match(r.stderr, new RegExp(`^\\[rank${rank}\\]:Process index: ${rank}$`, 'm'));
  const s = stateOf(r.stderr, { code: 0, signal: null });
  assert.equal(s.numProcesses, 3);
  assert.deepEqual(
    s.ranks.ranks.map((x) => x.rank),
    [0, 1, 2],
  );
  assert.equal(s.step, 3);
  assert.equal(s.state, 'finished');
});

test('fake: CUDA OOM on rank 1 only ([defaultN]: prefixes): rank 1 failed first, classified as out of GPU memory', unixOnly, () => {
  const r = fakeLaunch({ FAKE_ACCELERATE_TEE: 'default', STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_RANK: '1', STANDIN_FAIL_AT_STEP: '2' });
  assert.equal(r.code, 1, r.stderr.slice(-3000));
  assert.match(r.stderr, /^\[default1\]:torch\.OutOfMemoryError: CUDA out of memory/m);
  assert.match(r.stderr, /Root Cause \(first observed failure\):\n\[0\]:\n(?:.*\n){2} {2}rank {6}: 1 \(local_rank: 1\)\n/);
  const s = stateOf(r.stderr, { code: 1, signal: null });
  assert.equal(s.failure?.class, 'cuda_oom');
  assert.match(s.failure!.message, /^rank 1 failed first: /);
  assert.equal(s.ranks.firstFailure?.rank, 1);
  assert.equal(s.ranks.rootCause, 1);
  assert.match(s.ranks.ranks[1]!.error!, /CUDA out of memory/);
  assert.equal(s.ranks.ranks[0]!.error, null, 'rank 0 waited in the collective: no error of its own');
});

test("fake without the tee: ranks come from accelerate's `[RANK n]` records, the failing rank from its own [rankN]: traceback", unixOnly, () => {
  const r = fakeLaunch({ STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_RANK: '1', STANDIN_FAIL_AT_STEP: '2' });
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /^\[rank0\]:/m, 'no line prefixes');
  const s = stateOf(r.stderr, { code: 1, signal: null });
  assert.deepEqual(
    s.ranks.ranks.map((x) => x.rank),
    [0, 1],
  );
  assert.equal(s.ranks.firstFailure?.rank, 1);
  assert.equal(s.failure?.class, 'cuda_oom');
  assert.match(s.failure!.message, /^rank 1 failed first: /);
});

test('fake: a hang on rank 1 holds rank 0 in the collective too; stopped, both ranks are shown and none failed', unixOnly, async () => {
  const cwd = fakeCwd();
  const env = fakeEnv(cwd, { FAKE_ACCELERATE_TEE: 'rank', STANDIN_FAIL: 'hang', STANDIN_FAIL_RANK: '1', STANDIN_FAIL_AT_STEP: '2' });
  const child = spawn('accelerate', LAUNCH_ARGS(2), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitFor(() => /\[rank0\]:Steps: +33%.*1\/3/.test(stderr) && /\[rank1\]:Process index: 1/.test(stderr), 'step 1 and both ranks', 60_000);
  // Nothing can be awaited for "no step 2": 50 step times (0.01 s each) without it is the hang.
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(stderr, /\| 2\/3 /);
  child.kill('SIGTERM');
  await within(exited, 10_000, 'the launcher to stop');
  const s = reduceAll([...parseConsole(stderr), { type: 'stopRequested' }, { type: 'exit', code: null, signal: 'SIGTERM' }]);
  assert.equal(s.state, 'stopped');
  assert.deepEqual(
    s.ranks.ranks.map((r) => [r.rank, r.error]),
    [
      [0, null],
      [1, null],
    ],
  );
  assert.match(s.ranks.ranks[0]!.lastLine!, /^Steps: +33%.* 1\/3 /);
});

test('rank state is bounded: a garbage console naming 200 000 ranks keeps MAX_RANKS and counts the rest', () => {
  const lines: string[] = [];
  for (let i = 0; i < 200_000; i++) lines.push(`[rank${(i * 7919) % 1_000_003}]:line ${i}`);
  lines.push('torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ');
  for (let i = 0; i < 1000; i++) lines.push(`  rank      : ${i} (local_rank: ${i})`, `  exitcode  : 1 (pid: ${i})`, '  traceback : x');
  const s = stateOf(lines.join('\n'));
  assert.equal(s.ranks.ranks.length, MAX_RANKS);
  assert.ok(s.ranks.more > 0);
  assert.ok(s.ranks.ranks.every((r) => r.lastLine!.length <= 200));
});

test('ranks: a cause replaces a consequence as the first failure, never the other way; a long line is cut', () => {
  let r = ranksOnTraceback(EMPTY_RANKS, { lines: [], exception: 'RuntimeError: Connection reset by peer', rank: 0 }, isLauncherExceptionLine);
  assert.deepEqual(r.firstFailure, { rank: 0, error: 'RuntimeError: Connection reset by peer' });
  r = ranksOnTraceback(r, { lines: [], exception: 'torch.OutOfMemoryError: CUDA out of memory.', rank: 3 }, isLauncherExceptionLine);
  assert.equal(r.firstFailure?.rank, 3);
  r = ranksOnFailure(r, { rank: 2, signal: 'SIGABRT', exitCode: -6, rootCause: true });
  assert.equal(r.firstFailure?.rank, 3, 'a cause is never replaced');
  assert.equal(r.rootCause, 2);
  // A launcher's own exception carries no rank and names none.
  assert.equal(ranksOnTraceback(EMPTY_RANKS, { lines: [], exception: 'subprocess.CalledProcessError: x' }, isLauncherExceptionLine), EMPTY_RANKS);
  // The same line again changes nothing (no copy of the state per redraw).
  const once = ranksOnLine(EMPTY_RANKS, 1, 'a');
  assert.equal(ranksOnLine(once, 1, 'a'), once);
  const long = parseConsole(`[rank1]:${'y'.repeat(5000)}\n`).find((e) => e.type === 'rankLine');
  assert.ok(long && long.type === 'rankLine' && long.text.length === 200 && long.text.endsWith('…'));
});

test('a single-process console has no ranks; a [RANK 0] record alone is not multi-process', () => {
  const s = stateOf('01/01/2025 00:00:00 - INFO - __main__ - [RANK 0] Num processes: 1\nSteps:  10%|█| 1/10 [00:01<00:09,  1.00it/s]\n');
  assert.equal(isMultiRank(s.ranks), false);
  assert.equal(ranksView(s), undefined, 'the dashboard shows no Ranks view');
  assert.deepEqual(stateOf('Steps:  10%|█| 1/10 [00:01<00:09,  1.00it/s]\n').ranks, EMPTY_RANKS);
});

test("the monitor's replay from byte 0 equals what it followed live (the real rank-1-killed console, in odd chunks)", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const dir = join(ws.recordsDir, '20250101-000000-ranks');
  mkdirSync(dir, { recursive: true });
  const argv = ['accelerate', 'launch', '--multi_gpu', '--num_processes=2', 'train_dreambooth_lora_sdxl.py', '--output_dir=out'];
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      id: '20250101-000000-ranks',
      name: 'ranks',
      script: 'dreambooth-lora',
      state: 'running',
      createdAt: new Date().toISOString(),
      plan: { argv, env: {}, cwd: ws.root, script: 'dreambooth-lora' },
      outputDir: join(ws.root, 'out'),
    }),
  );
  writeFileSync(join(dir, 'console.log'), '');
  const monitor = new RunMonitor({ recordDir: dir, imageCacheDir: join(ws.root, 'cache'), pollMs: 10 });
  let changes = 0;
  monitor.onDidChange(() => changes++);
  monitor.start();
  t.after(() => monitor.stop());
  const bytes = readFileSync(join(REAL, 'console-2proc-rank1-killed.log'));
  // 997-byte chunks cut lines, prefixes and UTF-8 sequences (the bar's blocks) anywhere.
  for (let at = 0; at < bytes.length; at += 997) {
    const seen = changes;
    appendFileSync(join(dir, 'console.log'), bytes.subarray(at, at + 997));
    await waitFor(() => changes > seen, `the chunk at byte ${at}`);
  }
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 1, signal: null, endedAt: new Date().toISOString() }));
  const live = await within(monitor.whenEnded(), 10_000, 'the end');
  const replay = await readRunState(dir, join(ws.root, 'cache2'));
  assert.deepEqual(replay.ranks, live.ranks);
  assert.deepEqual(replay.failure, live.failure);
  assert.equal(live.ranks.firstFailure?.rank, 1);
});
