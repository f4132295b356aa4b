// Real failures of the real script, each started as a user would (Start Anyway where the config has errors):
// what the run ends as, and that nothing of it is left running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../src/core/supervisor/liveness';
import { runProcesses } from '../../src/core/supervisor/processTree';
import {
  ended,
  newWorkspace,
  noProcessLeft,
  realLaunch,
  realWorkerOrSkip,
  SCRIPT_FILE,
  startConfig,
  supervisor,
  tinyArgs,
  waitFor,
  writeConfig,
  wrapperJs,
} from './realWorker';

const { worker, skip } = realWorkerOrSkip();
const opts = { skip, timeout: 300_000 };

test('real run: an argument the script does not have (lora_dropout is newer than v0.27.2) fails in argparse', opts, async () => {
  const ws = newWorkspace();
  try {
    const sup = supervisor(ws, await wrapperJs());
    const file = writeConfig(ws, 'argparse', realLaunch(worker!), tinyArgs(worker!, { max_train_steps: 2, lora_dropout: 0.1 }));
    const { entry, monitor } = await startConfig(ws, sup, file, { allowErrors: true });
    const state = await ended(monitor, 240_000, 'the run');
    monitor.stop();
    await noProcessLeft(sup, entry.record.id);
    const log = readFileSync(join(entry.dir, 'console.log'), 'utf8');
    assert.match(log, /train_dreambooth_lora_sdxl\.py: error: unrecognized arguments: --lora_dropout 0\.1/);
    assert.equal(state.state, 'failed');
    assert.notEqual(state.exit?.code, 0);
    assert.equal(state.failure?.class, 'argparse', JSON.stringify(state.failure));
    assert.equal(state.step, null, 'no training step');
  } finally {
    await ws.cleanup();
  }
});

test('real run: a missing instance_data_dir fails after the models load', opts, async () => {
  const ws = newWorkspace();
  try {
    const sup = supervisor(ws, await wrapperJs());
    const file = writeConfig(
      ws,
      'noinstance',
      realLaunch(worker!),
      tinyArgs(worker!, { max_train_steps: 2, instance_data_dir: join(ws.root, 'no-such-folder') }),
    );
    const { entry, monitor } = await startConfig(ws, sup, file, { allowErrors: true });
    const state = await ended(monitor, 240_000, 'the run');
    monitor.stop();
    await noProcessLeft(sup, entry.record.id);
    const log = readFileSync(join(entry.dir, 'console.log'), 'utf8');
    assert.match(log, /ValueError: Instance images root doesn't exists\./);
    assert.equal(state.state, 'failed');
    assert.notEqual(state.exit?.code, 0);
    assert.ok(state.failure, 'a diagnosis');
    assert.equal(state.step, null, 'no training step');
  } finally {
    await ws.cleanup();
  }
});

test('real run: SIGKILL of the training process (not the launcher) ends the run failed, nothing left running', opts, async () => {
  const ws = newWorkspace();
  try {
    const sup = supervisor(ws, await wrapperJs());
    const file = writeConfig(ws, 'killed', realLaunch(worker!), tinyArgs(worker!, { max_train_steps: 50, checkpointing_steps: 1000 }));
    const { entry, monitor } = await startConfig(ws, sup, file);
    await waitFor(() => (monitor.state.step ?? 0) >= 1, 'the first step', 240_000);
    const record = (await sup.get(entry.record.id)).record;
    assert.ok(await isAlive(record));
    // accelerate launch runs the script as its child: `python …/train_dreambooth_lora_sdxl.py …`.
    const trainer = (await runProcesses(record.pgid, [record.pid!])).filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv.some((a) => a.endsWith(SCRIPT_FILE)) && !argv.includes('launch');
      } catch {
        return false;
      }
    });
    assert.equal(trainer.length, 1, `one training process (${trainer.join(', ')})`);
    process.kill(trainer[0]!, 'SIGKILL');
    const state = await ended(monitor, 60_000, 'the killed run');
    monitor.stop();
    await noProcessLeft(sup, entry.record.id);
    assert.equal(state.state, 'failed');
    assert.notEqual(state.exit?.code, 0);
    assert.equal(state.launcherFailed, true, 'accelerate reported the dead child');
    assert.equal(state.failure?.class, 'host_oom_killed', JSON.stringify(state.failure));
    assert.match(readFileSync(join(entry.dir, 'console.log'), 'utf8'), /died with <Signals\.SIGKILL: 9>|returned non-zero exit status -9/);
  } finally {
    await ws.cleanup();
  }
});
