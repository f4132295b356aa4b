// The Hub token never leaves the process unmasked (issue 8, item 2). Real runs of the stand-in trainer (behind the
// fake `accelerate`, which prints the real launcher's CalledProcessError with the training's argv) started with the
// CLI from configs holding a known fake token in args.hub_token and in launch.env HF_TOKEN: runs that succeed, fail,
// print the token themselves (STANDIN_ECHO_ENV), and wait in the queue. Then the token is looked for in every file
// of the workspace (records, images, output_dir), in what the CLI prints (summarize, run show, run list, command) and
// in the states, notices and dashboard view models; the record files' modes and `.sdxl/.gitignore` are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readRecord } from '../../src/core/supervisor/runRecord';
import { SECRETS_FILE } from '../../src/core/supervisor/secrets';
import { RunMonitor } from '../../src/core/monitor/runMonitor';
import { RunDeltaTracker, runView } from '../../src/core/view/dashboardModel';
import { runFailureDiagnostic } from '../../src/core/view/runFailures';
import { writeStandinConfig } from './standinRuns';
import { cliInProcess, repoRoot, waitFor, workspace, type CliResult, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'file modes and process groups are Unix-only' : false, timeout: 240_000 };
const STANDIN = join(repoRoot, 'test', 'fixtures', 'trainer', 'standin_trainer.py');
const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
const TOKEN_BYTES = Buffer.from(TOKEN);

const cli = (ws: Workspace, argv: string[]): Promise<CliResult> => cliInProcess(ws, argv);

/** A config of the stand-in LoRA run with the token in args.hub_token and in launch.env.HF_TOKEN. */
function writeConfig(ws: Workspace, name: string, o: { steps?: number; stepSeconds?: number; env?: Record<string, string> } = {}): string {
  return writeStandinConfig(ws, name, {
    ...(o.steps !== undefined ? { steps: o.steps } : {}),
    ...(o.stepSeconds !== undefined ? { stepSeconds: o.stepSeconds } : {}),
    env: { HF_TOKEN: TOKEN, ...o.env },
    args: { output_dir: `./out-${name}`, push_to_hub: true, hub_token: TOKEN },
  });
}

async function start(ws: Workspace, file: string): Promise<{ id: string; state: string }> {
  const r = await cli(ws, ['run', 'start', file, '--json', '--workspace', ws.root]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as { id: string; state: string };
}

const recordDir = (ws: Workspace, id: string) => join(ws.recordsDir, id);
const stateOf = (ws: Workspace, id: string) => readRecord(recordDir(ws, id)).state;
const ended = (ws: Workspace, id: string) => ['succeeded', 'failed', 'stopped'].includes(stateOf(ws, id));

function filesBelow(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? filesBelow(p) : d.isFile() ? [p] : [];
  });
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

test('the Hub token reaches the training by environment only and is never written, printed or shown unmasked', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  cpSync(join(repoRoot, 'demo-workspace', 'data'), join(ws.root, 'data'), { recursive: true });
  symlinkSync(STANDIN, join(ws.root, 'train_text_to_image_lora_sdxl.py'));

  // A run that succeeds and one that fails: accelerate then prints `CalledProcessError: Command '[…argv…]'`.
  const ok = await start(ws, writeConfig(ws, 'ok'));
  await waitFor(() => ended(ws, ok.id), 'the ok run to end', 60_000);
  assert.ok(!readFileSync(join(recordDir(ws, ok.id), 'run.json')).includes(TOKEN_BYTES), 'run.json holds the token');
  const fail = await start(ws, writeConfig(ws, 'fail', { env: { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '2' } }));
  await waitFor(() => ended(ws, fail.id), 'the failing run to end', 60_000);
  // Runs whose training prints the token itself: started now, and queued behind a live run (its wrapper's queue pump
  // starts it, with the token from the record folder's secrets file).
  const echo = await start(ws, writeConfig(ws, 'echo', { env: { STANDIN_ECHO_ENV: 'HF_TOKEN' } }));
  await waitFor(() => ended(ws, echo.id), 'the echo run to end', 60_000);
  const slow = await start(ws, writeConfig(ws, 'slow', { steps: 400, stepSeconds: 0.05 }));
  assert.equal(slow.state, 'running');
  const queued = await start(ws, writeConfig(ws, 'queued', { env: { STANDIN_ECHO_ENV: 'HF_TOKEN' } }));
  assert.equal(queued.state, 'queued');
  const secrets = join(recordDir(ws, queued.id), SECRETS_FILE);
  assert.ok(existsSync(secrets), 'a queued run keeps its secrets in its record folder until it starts');
  assert.equal(mode(secrets), '600');
  assert.ok(!readFileSync(join(recordDir(ws, queued.id), 'run.json')).includes(TOKEN_BYTES), 'the queued run.json has no token');
  const stop = await cli(ws, ['run', 'stop', slow.id, '--workspace', ws.root]);
  assert.equal(stop.code, 0, stop.err);
  await waitFor(() => ended(ws, queued.id), 'the queued run to start and end', 60_000);
  assert.ok(!existsSync(secrets), 'the secrets file is gone once the run started');

  assert.equal(stateOf(ws, ok.id), 'succeeded');
  assert.equal(stateOf(ws, fail.id), 'failed');
  assert.equal(stateOf(ws, echo.id), 'succeeded');
  assert.equal(stateOf(ws, slow.id), 'stopped');
  assert.equal(stateOf(ws, queued.id), 'succeeded');
  const ids = [ok.id, fail.id, echo.id, slow.id, queued.id];

  // The training got the token, both ways: the echo runs' own consoles print it (the only files that may hold it,
  // besides the configs: a console is the training's own output, kept owner-only).
  for (const id of [echo.id, queued.id]) {
    const console = readFileSync(join(recordDir(ws, id), 'console.log'), 'utf8');
    assert.ok(console.includes(`HF_TOKEN=${TOKEN}`), `${id}: the training got HF_TOKEN`);
  }
  // ...never on its command line: the failed launch's CalledProcessError quotes the argv without it.
  const failConsole = readFileSync(join(recordDir(ws, fail.id), 'console.log'), 'utf8');
  assert.match(failConsole, /CalledProcessError: Command '\[.*train_text_to_image_lora_sdxl\.py.*\]' returned non-zero exit status 1/);

  // States, notices and dashboard view models, read as the extension reads them (no known secrets: the pattern alone).
  for (const id of ids) {
    const monitor = new RunMonitor({ recordDir: recordDir(ws, id), imageCacheDir: join(ws.root, '.sdxl', 'images') });
    const state = await monitor.readOnce();
    const meta = { id, label: id, simulated: true, imageUri: (p: string) => ({ uri: p }) };
    for (const [what, value] of Object.entries({ state, notices: state.notices, view: runView(state, meta), full: new RunDeltaTracker().full(state, meta) })) {
      assert.ok(!JSON.stringify(value).includes(TOKEN), `${id}: the ${what} holds the token`);
    }
    if (id === fail.id) {
      assert.ok(state.failure, 'the failed run has a diagnosis');
      assert.ok(state.errorLines.some((l) => l.includes('CalledProcessError')) || state.tracebacks.some((tb) => tb.exception?.includes('CalledProcessError')));
      assert.ok(!runFailureDiagnostic({ runId: id, failure: state.failure }, '{}').message.includes(TOKEN));
    }
    if (id === echo.id || id === queued.id)
      assert.ok(
        state.logTail.some((l) => l.message === 'HF_TOKEN=hf_…ghij'),
        `${id}: the echo is kept, masked`,
      );
  }

  // What the CLI prints.
  const configs = ['ok', 'fail', 'echo', 'slow', 'queued'].map((n) => join(ws.root, `${n}.sdxl.json`));
  const outputs: Array<[string, CliResult]> = [];
  for (const id of ids) {
    outputs.push([`summarize ${id}`, await cli(ws, ['summarize', recordDir(ws, id)])]);
    outputs.push([`summarize --json ${id}`, await cli(ws, ['summarize', recordDir(ws, id), '--json'])]);
    outputs.push([`summarize console ${id}`, await cli(ws, ['summarize', join(recordDir(ws, id), 'console.log')])]);
    outputs.push([`run show ${id}`, await cli(ws, ['run', 'show', id, '--workspace', ws.root])]);
    outputs.push([`run show --json ${id}`, await cli(ws, ['run', 'show', id, '--json', '--workspace', ws.root])]);
  }
  outputs.push(['run list', await cli(ws, ['run', 'list', '--workspace', ws.root])]);
  outputs.push(['run list --json', await cli(ws, ['run', 'list', '--json', '--workspace', ws.root])]);
  for (const file of configs) {
    outputs.push([`command ${file}`, await cli(ws, ['command', file])]);
    outputs.push([`command --json ${file}`, await cli(ws, ['command', file, '--json'])]);
    outputs.push([`command powershell ${file}`, await cli(ws, ['command', file, '--shell', 'powershell'])]);
  }
  for (const [what, r] of outputs) {
    assert.equal(r.code, 0, `${what}: ${r.err}`);
    assert.ok(!r.out.includes(TOKEN) && !r.err.includes(TOKEN), `${what} prints the token:\n${r.out}${r.err}`);
  }
  const shown = await cli(ws, ['command', configs[0]!, '--show-secrets']);
  assert.ok(shown.out.includes(`HF_TOKEN=${TOKEN}`), 'command --show-secrets prints the real value');

  // Every file of the workspace: records, images (cut by the monitors above), output_dirs (event files, hparams).
  const holders = filesBelow(ws.root)
    .filter((f) => readFileSync(f).includes(TOKEN_BYTES))
    .map((f) => relative(ws.root, f))
    .sort();
  assert.deepEqual(
    holders,
    [
      ...['echo', 'fail', 'ok', 'queued', 'slow'].map((n) => `${n}.sdxl.json`),
      ...[echo.id, queued.id].map((id) => join('.sdxl', 'runs', id, 'console.log')),
    ].sort(),
  );

  // Record files are the owner's alone; `.sdxl/` keeps itself out of version control.
  const recordFiles = filesBelow(ws.recordsDir);
  assert.ok(
    recordFiles.some((f) => f.endsWith('stop-request.json')),
    'the stop request is among them',
  );
  for (const f of recordFiles) assert.equal(mode(f), '600', relative(ws.root, f));
  for (const id of ids) assert.equal(mode(recordDir(ws, id)), '700', id);
  const gitignore = readFileSync(join(ws.root, '.sdxl', '.gitignore'), 'utf8');
  assert.ok(gitignore.split('\n').includes('*'), gitignore);
});
