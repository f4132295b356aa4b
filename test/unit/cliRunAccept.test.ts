// `sdxl-trainer run accept ID`: a queued run.json this machine did not create (committed to a repository, queued on
// another machine) is started only when the user says so, after seeing what it runs (secrets masked), through the
// same Supervisor.acceptQueued as the extension's "Start It". Real processes: the accepted run's wrapper and argv.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRecord, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { cliInProcess, waitFor, workspace, type Workspace } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' ? 'process groups and /proc are Unix-only' : false, timeout: 60_000 };
const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';

/** A queued record as a repository could carry it (no seal): its argv leaves `marker` if it ever runs. */
function plantQueued(ws: Workspace, marker: string, name: string): { id: string; dir: string; bytes: string } {
  const script = join(ws.root, 'planted.py');
  writeFileSync(script, 'import sys\nopen(sys.argv[1], "w").write("ran")\n');
  const plan = { argv: ['python3', script, marker, '--hub_token', TOKEN], env: { PLANTED: '1' }, cwd: ws.root, script: 'lora' as const };
  const { dir, record } = createRecord(
    ws.recordsDir,
    {
      name,
      script: 'lora',
      plan,
      outputDir: join(ws.root, `${name}-out`),
      createdAt: new Date().toISOString(),
      state: 'queued',
      gpus: { count: 1 },
    },
    new Date(),
  );
  return { id: record.id, dir, bytes: readFileSync(recordFiles(dir).run, 'utf8') };
}

interface Result {
  code: number;
  out: string;
  err: string;
  asked: string[];
}

/** The CLI in-process; `answer` set: a terminal that answers so, else no terminal (as under a pipe or in CI). */
async function cli(ws: Workspace, argv: string[], answer?: string): Promise<Result> {
  const asked: string[] = [];
  const r = await cliInProcess(ws, argv, answer !== undefined ? { ask: async (q: string) => (asked.push(q), answer) } : {});
  return { ...r, asked };
}

test("run accept: shows the masked command, wants --yes without a terminal, then starts the run sealed as this machine's", unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.root, '.sdxl'), { recursive: true });
  const marker = join(ws.root, 'ran');
  const planted = plantQueued(ws, marker, 'planted');

  const list = await cli(ws, ['run', 'list']);
  assert.equal(list.code, 0, list.err);
  assert.match(list.out, /queued \(elsewhere; not started\)/);
  assert.match(list.out, new RegExp(`run accept ${planted.id}`), 'the list says how to start it');

  // No terminal and no --yes: what it would run is shown (token masked), nothing is started or written.
  const refused = await cli(ws, ['run', 'accept', planted.id]);
  assert.equal(refused.code, 1);
  assert.match(refused.out, /was queued elsewhere/);
  assert.match(refused.out, /^ {2}cd \S+ && \\\n {2}PLANTED=1 python3 \S+planted\.py/m);
  assert.match(refused.out, /hf_…ghij/);
  assert.ok(!`${refused.out}${refused.err}`.includes(TOKEN), 'the token is never printed');
  assert.match(refused.err, /give --yes to accept it/);
  // A terminal that says no.
  const no = await cli(ws, ['run', 'accept', planted.id], 'n');
  assert.equal(no.code, 1);
  assert.deepEqual(no.asked, [`Start run ${planted.id} on this machine? [y/N] `]);
  assert.match(no.out, /not accepted; it stays queued/);
  assert.equal(readFileSync(recordFiles(planted.dir).run, 'utf8'), planted.bytes, 'run.json unchanged');
  assert.ok(!existsSync(marker) && !existsSync(recordFiles(planted.dir).console), 'nothing ran');

  // A terminal that says yes: sealed, then started like any queued run of this machine.
  const yes = await cli(ws, ['run', 'accept', planted.id.slice(0, -2)], 'y');
  assert.equal(yes.code, 0, yes.err);
  assert.match(yes.out, new RegExp(`run ${planted.id} accepted: started`));
  await waitFor(() => existsSync(marker), 'the accepted run to run');
  assert.ok(readRecord(planted.dir).launchMac, "sealed with this machine's key");

  const again = await cli(ws, ['run', 'accept', planted.id, '--yes']);
  assert.equal(again.code, 1);
  assert.match(again.err, /not queued; nothing to accept/);
});

test('run accept --yes starts it without asking; run stop removes one instead; bad use is a usage error', unixOnly, async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  mkdirSync(join(ws.root, '.sdxl'), { recursive: true });
  const a = plantQueued(ws, join(ws.root, 'ran-a'), 'a');
  const yes = await cli(ws, ['run', 'accept', a.id, '--yes']);
  assert.equal(yes.code, 0, yes.err);
  await waitFor(() => existsSync(join(ws.root, 'ran-a')), 'run a to run');

  const b = plantQueued(ws, join(ws.root, 'ran-b'), 'b');
  const stop = await cli(ws, ['run', 'stop', b.id]);
  assert.equal(stop.code, 0, stop.err);
  assert.match(stop.out, /removed from the queue/);
  assert.equal(readRecord(b.dir).state, 'stopped');
  assert.ok(!existsSync(join(ws.root, 'ran-b')));

  assert.equal((await cli(ws, ['run', 'accept'])).code, 2);
  assert.equal((await cli(ws, ['run', 'accept', a.id, '--force'])).code, 2);
  const help = await cli(ws, ['run', '--help']);
  assert.match(help.out, /run accept ID \[--yes\]/);
});
