// The setup step runner with real child processes (Node one-liners as steps) and a loopback HTTP server: order, the
// stop at the first failure with its message, cancel killing the process tree, the half-done record, downloads, the
// clone's script check, masking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSetup, maskSetupText } from '../../src/core/env/setupRunner';
import { describeSetup, readSetupRecord, setupRecordPath, writeSetupRecord, type SetupRecord } from '../../src/core/env/setupRecord';
import { atLeast } from '../../src/core/env/version';
import type { SetupPlan, SetupStep } from '../../src/core/env/setupPlan';
import { pidAlive } from '../../src/core/util/pidAlive';
import { waitFor } from './supervisorTestKit';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'sdxl-setup-runner-'));
const node = (code: string, title: string, hint = `try something else after ${title}`): SetupStep => ({
  kind: 'run',
  title,
  argv: [process.execPath, '-e', code],
  env: { SETUP_TEST: title },
  hint,
});
const plan = (venvDir: string, steps: SetupStep[]): SetupPlan => ({
  release: '0.27.2',
  venvDir,
  python: join(venvDir, 'bin/python'),
  accelerate: 'a',
  scriptPath: 's',
  steps,
});

test('steps run in order with their env, output streams, and the record ends "done"', async () => {
  const dir = tmp();
  const log = join(dir, 'order.txt');
  const out: string[] = [];
  const outcome = await runSetup(
    plan(join(dir, 'venv'), [
      node(`require('fs').appendFileSync(${JSON.stringify(log)}, process.env.SETUP_TEST + '\\n'); console.log('hello from one')`, 'one'),
      node(`require('fs').appendFileSync(${JSON.stringify(log)}, process.env.SETUP_TEST + '\\n'); console.error('to stderr')`, 'two'),
    ]),
    { onOutput: (t) => out.push(t) },
  );
  assert.deepEqual(outcome, { status: 'done' });
  assert.equal(readFileSync(log, 'utf8'), 'one\ntwo\n');
  const text = out.join('');
  assert.ok(text.indexOf('(1/2) one') < text.indexOf('hello from one') && text.indexOf('hello from one') < text.indexOf('(2/2) two'));
  assert.match(text, /to stderr/);
  assert.match(text, /Setup done/);
  const read = await readSetupRecord(setupRecordPath(join(dir, 'venv')));
  assert.ok(read.found && 'record' in read);
  assert.equal(read.record.status, 'done');
  assert.equal(read.record.done, 2);
  assert.equal(describeSetup(read).state, 'done');
});

test('the first failure stops the plan: a message naming the step and the next thing to try, the record half-done', async () => {
  const dir = tmp();
  const venv = join(dir, 'venv');
  const marker = join(dir, 'third-ran');
  const out: string[] = [];
  const outcome = await runSetup(
    plan(venv, [
      node('', 'first'),
      node("console.error('ERROR: No matching distribution found for torch==2.2.2'); process.exit(3)", 'Install torch', 'Pick another torch variant.'),
      node(`require('fs').writeFileSync(${JSON.stringify(marker)}, '')`, 'third'),
    ]),
    { onOutput: (t) => out.push(t) },
  );
  assert.equal(outcome.status, 'failed');
  assert.ok(outcome.status === 'failed');
  assert.equal(outcome.step, 2);
  assert.equal(outcome.message, `Setup failed at step 2/3 "Install torch": node exited with code 3. Next: Pick another torch variant.`);
  assert.ok(!existsSync(marker), 'nothing after the failed step runs');
  assert.match(out.join(''), /No matching distribution found for torch==2\.2\.2/);
  const read = await readSetupRecord(setupRecordPath(venv));
  const d = describeSetup(read);
  assert.equal(d.state, 'half-done');
  assert.match(d.text, /failed at step 2\/3 \(Install torch\); it is half set up/);

  // Run again: it says the last one was half-done, then runs everything; only now is it done.
  const again: string[] = [];
  const second = await runSetup(plan(venv, [node('', 'first'), node('', 'Install torch'), node('', 'third')]), { onOutput: (t) => again.push(t) });
  assert.equal(second.status, 'done');
  assert.match(again.join(''), /^Note: The last setup of .* failed at step 2\/3 .* Running the whole setup again\./);
  assert.equal(describeSetup(await readSetupRecord(setupRecordPath(venv))).state, 'done');
});

test('a program that does not exist: the step fails saying so', async () => {
  const dir = tmp();
  const outcome = await runSetup(
    plan(join(dir, 'v'), [{ kind: 'run', title: 'Create the venv', argv: [join(dir, 'no-python'), '-m', 'venv', 'x'], env: {}, hint: 'Pick another Python.' }]),
    {
      onOutput: () => undefined,
    },
  );
  assert.ok(outcome.status === 'failed');
  assert.match(outcome.message, /Create the venv": .*no-python was not found\. Next: Pick another Python\./);
});

test('cancel kills the running step and what it started, stops the plan, and the record says cancelled', { skip: process.platform === 'win32' }, async () => {
  const dir = tmp();
  const venv = join(dir, 'venv');
  const pids = join(dir, 'pids');
  const after = join(dir, 'after');
  // The step starts a grandchild (as pip starts build backends) and both wait forever; SIGTERM is ignored by the
  // step, so the runner's SIGKILL after the grace period is what ends it.
  const code = `
    const { spawn } = require('child_process');
    const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    process.on('SIGTERM', () => {});
    require('fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + g.pid);
    setInterval(() => {}, 1000);`;
  const ac = new AbortController();
  const running = runSetup(plan(venv, [node(code, 'Install torch'), node(`require('fs').writeFileSync(${JSON.stringify(after)}, '')`, 'after')]), {
    onOutput: () => undefined,
    signal: ac.signal,
    killGraceMs: 200,
  });
  await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), 'the step to start its grandchild', 10_000);
  const [child, grandchild] = readFileSync(pids, 'utf8').split(' ').map(Number);
  ac.abort();
  const outcome = await running;
  assert.ok(outcome.status === 'cancelled');
  assert.equal(outcome.step, 1);
  assert.match(outcome.message, /Cancelled during step 1\/2 "Install torch": .* is half set up\. Run the setup again/);
  await waitFor(() => !pidAlive(child!) && !pidAlive(grandchild!), 'the process tree to end', 10_000);
  assert.ok(!existsSync(after));
  const d = describeSetup(await readSetupRecord(setupRecordPath(venv)));
  assert.equal(d.state, 'half-done');
  assert.match(d.text, /cancelled during step 1\/2 \(Install torch\)/);
});

test('a record left "running" by a process that died reads as half-done; one whose process lives refuses a second setup', async () => {
  const dir = tmp();
  const rec: SetupRecord = {
    version: 1,
    status: 'running',
    release: '0.27.2',
    venvDir: dir,
    python: 'p',
    scriptPath: 's',
    steps: ['a', 'b', 'c'],
    done: 1,
    pid: 12345,
    startedAt: 'then',
  };
  await writeSetupRecord(setupRecordPath(dir), rec);
  const dead = describeSetup(await readSetupRecord(setupRecordPath(dir)), () => false);
  assert.equal(dead.state, 'half-done');
  assert.match(dead.text, /stopped during step 2\/3 \(b\) without finishing/);
  assert.equal(describeSetup(await readSetupRecord(setupRecordPath(dir)), () => true).state, 'running');

  await writeSetupRecord(setupRecordPath(dir), { ...rec, pid: process.pid });
  const marker = join(dir, 'ran');
  const outcome = await runSetup(plan(dir, [node(`require('fs').writeFileSync(${JSON.stringify(marker)}, '')`, 'a')]), { onOutput: () => undefined });
  assert.ok(outcome.status === 'failed' && outcome.step === 0);
  assert.match(outcome.message, /is running .* before starting another one/);
  assert.ok(!existsSync(marker));

  writeFileSync(setupRecordPath(dir), '{not json');
  assert.equal(describeSetup(await readSetupRecord(setupRecordPath(dir))).state, 'half-done');
  assert.deepEqual(describeSetup(await readSetupRecord(join(dir, 'none.json'))).state, 'none');
});

test('download: the file lands whole; a 404 stops the plan naming the URL', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/v0.27.2/examples/dreambooth/train.py') res.end('check_min_version("0.27.0")\nprint("hi")\n');
    else {
      res.statusCode = 404;
      res.end('nope');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const dir = tmp();
    const dest = join(dir, 'ex/examples/dreambooth/train.py');
    const ok = await runSetup(
      plan(join(dir, 'v'), [{ kind: 'download', title: 'Download', url: `${base}/v0.27.2/examples/dreambooth/train.py`, dest, hint: 'h' }]),
      {
        onOutput: () => undefined,
      },
    );
    assert.deepEqual(ok, { status: 'done' });
    assert.match(readFileSync(dest, 'utf8'), /print\("hi"\)/);
    const bad = await runSetup(
      plan(join(dir, 'w'), [{ kind: 'download', title: 'Download', url: `${base}/v9/x.py`, dest: join(dir, 'x.py'), hint: 'Use a clone.' }]),
      {
        onOutput: () => undefined,
      },
    );
    assert.ok(bad.status === 'failed');
    assert.equal(bad.message, `Setup failed at step 1/1 "Download": ${base}/v9/x.py answered HTTP 404 (not found). Next: Use a clone.`);
    assert.ok(!existsSync(join(dir, 'x.py')));
  } finally {
    server.close();
  }
});

test("the clone's script: missing, or demanding a newer diffusers than the release, fails the check", async () => {
  const dir = tmp();
  const script = join(dir, 'examples/dreambooth/train_dreambooth_lora_sdxl.py');
  const check = (): SetupStep => ({ kind: 'checkScript', title: 'Check the script', path: script, release: '0.27.2', hint: 'Check out v0.27.2.' });
  const missing = await runSetup(plan(join(dir, 'v1'), [check()]), { onOutput: () => undefined });
  assert.ok(missing.status === 'failed');
  assert.match(missing.message, /train_dreambooth_lora_sdxl\.py does not exist\. Next: Check out v0\.27\.2\./);
  mkdirSync(join(dir, 'examples/dreambooth'), { recursive: true });
  writeFileSync(script, 'check_min_version("0.40.0.dev0")\n');
  const newer = await runSetup(plan(join(dir, 'v2'), [check()]), { onOutput: () => undefined });
  assert.ok(newer.status === 'failed');
  assert.match(newer.message, /calls check_min_version\("0\.40\.0\.dev0"\), newer than diffusers 0\.27\.2/);
  writeFileSync(script, "check_min_version('0.27.0')\n");
  assert.deepEqual(await runSetup(plan(join(dir, 'v3'), [check()]), { onOutput: () => undefined }), { status: 'done' });
});

test('versions (the clone check uses env/version.ts): a dev release is older than its release; numbers compare as numbers', () => {
  assert.ok(atLeast('0.27.2', '0.27.0'));
  assert.ok(atLeast('0.27.2', '0.27.2.dev0'));
  assert.ok(!atLeast('0.27.2', '0.28.0.dev0'));
  assert.ok(!atLeast('0.27.2', '0.40.0'));
  assert.ok(atLeast('0.100.0', '0.99.0'));
  assert.ok(!atLeast('0.27.2.dev0', '0.27.2'));
});

test('output is masked: Hugging Face tokens and credentials in index URLs; invalid UTF-8 does not break the stream', async () => {
  assert.equal(maskSetupText('Looking in indexes: https://alice:s3cret@pypi.example/simple'), 'Looking in indexes: https://***@pypi.example/simple');
  assert.doesNotMatch(maskSetupText('token hf_abcdefghijklmnopqrstuvwxyz0123'), /abcdefghijklmnop/);
  const dir = tmp();
  const out: string[] = [];
  const outcome = await runSetup(
    plan(join(dir, 'v'), [
      node(
        "process.stdout.write(Buffer.from([0x66, 0xff, 0xfe, 0x0a])); console.log('hf_' + [...'3210zyxwvutsrqponmlkjihgfedcba'].reverse().join(''))",
        'bytes',
      ),
    ]),
    { onOutput: (t) => out.push(t) },
  );
  assert.equal(outcome.status, 'done');
  const text = out.join('');
  assert.match(text, /f\uFFFD\uFFFD\n/);
  assert.doesNotMatch(text, /abcdefghijklmnopqrstuvwxyz0123/);
});

test(
  'a broken venv (its python a dangling link): the step says so and the next thing is to delete the folder',
  { skip: process.platform === 'win32' },
  async () => {
    const dir = tmp();
    const venv = join(dir, 'venv');
    mkdirSync(join(venv, 'bin'), { recursive: true });
    symlinkSync(join(dir, 'removed-python3.9'), join(venv, 'bin/python'));
    const outcome = await runSetup(
      plan(venv, [
        node('', 'Create the virtual environment'),
        { kind: 'run', title: 'Upgrade pip', argv: [join(venv, 'bin/python'), '-m', 'pip'], env: {}, hint: 'Check the index.' },
      ]),
      { onOutput: () => undefined },
    );
    assert.ok(outcome.status === 'failed');
    assert.equal(
      outcome.message,
      `Setup failed at step 2/2 "Upgrade pip": ${join(venv, 'bin/python')} links to ${join(dir, 'removed-python3.9')}, which is gone: the environment in ${venv} is broken (its base Python moved or was removed). Next: Delete ${venv} and run the setup again, or pick another folder.`,
    );
  },
);
