// The real worker on 2 CPU processes with torch.distributed's tee on (`--tee 3`: every rank's lines prefixed
// `[default<rank>]:`), rank 1 killed (SIGKILL) after the first step: the monitor shows both ranks and names rank 1 as
// the one that failed first, although torch's Root Cause table names rank 0 (whose gloo error is the consequence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  ended,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  startConfig,
  supervisor,
  tinyArgs,
  waitFor,
  writeConfig,
  wrapperJs,
} from './realWorker';
import { repoRoot } from '../unit/supervisorTestKit';

const { worker, skip } = realWorkerOrSkip();
// See multiProcess.real.ts: torch 1.13 on Python 3.11 cannot parse the launcher's --redirects/--tee without it.
const STD_FIX = join(repoRoot, 'test', 'fixtures', 'real-worker', 'torchrun-std-fix');

/** The pid of the training process of rank `rank` whose working directory is `cwd` (Linux /proc). */
function rankPid(cwd: string, rank: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`) !== cwd) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (env.includes(`RANK=${rank}`) && cmd.includes('train_dreambooth_lora_sdxl.py') && !cmd.includes('accelerate')) return Number(name);
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}

test(
  'real 2-process run, rank 1 killed: ranks shown, rank 1 failed first',
  { skip: skip || (process.platform !== 'linux' && 'needs /proc'), timeout: 600_000 },
  async () => {
    const ws = newWorkspace();
    try {
      const sup = supervisor(ws, await wrapperJs());
      const launch = realLaunch(worker!, { multi_gpu: true, num_processes: 2, tee: '3' });
      launch.env = { ...(launch.env as Record<string, string>), PYTHONPATH: STD_FIX };
      const file = writeConfig(ws, 'ranks', launch, tinyArgs(worker!, { max_train_steps: 6, checkpointing_steps: 100 }));
      // `tee` is a torch.distributed.run option accelerate passes on; the config check knows it.
      const { entry, monitor } = await startConfig(ws, sup, file);
      await waitFor(() => (monitor.state.step ?? 0) >= 1 && monitor.state.ranks.ranks.length === 2, 'step 1 with both ranks seen', 300_000);
      const pid = rankPid(ws.root, 1);
      assert.ok(pid, 'the rank-1 training process');
      process.kill(pid, 'SIGKILL');
      const state = await ended(monitor, 120_000, 'the run with rank 1 killed');
      monitor.stop();
      await noProcessLeft(sup, entry.record.id);
      const log = readFileSync(join(entry.dir, 'console.log'), 'utf8');
      assert.match(log, /^\[default1\]:Process index: 1$/m);
      assert.equal(state.state, 'failed', log.slice(-3000));
      assert.deepEqual(
        state.ranks.ranks.map((r) => r.rank),
        [0, 1],
      );
      assert.equal(state.ranks.firstFailure?.rank, 1, JSON.stringify(state.ranks));
      assert.equal(state.ranks.ranks[1]!.signal, 'SIGKILL');
      assert.match(state.failure!.message, /^rank 1 failed first: /);
    } finally {
      await ws.cleanup();
    }
  },
);
