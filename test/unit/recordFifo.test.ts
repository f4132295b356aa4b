// Record files planted as FIFOs (a repository can carry `.sdxl/runs/…` with anything in it): listing, following and
// summarizing such a run never waits on them. A plain read of a FIFO waits for a writer that never comes: before this,
// listRuns froze (synchronously: the whole extension host, trusted or not) on a FIFO run.json. Each check runs in a
// child process with a timeout, since a blocked read cannot be interrupted from inside the process.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './supervisorTestKit';

const unixOnly = { skip: process.platform === 'win32' };

function inChild(code: string): { out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `the child did not finish (blocked on a FIFO?): ${String(r.error)}`);
  assert.equal(r.status, 0, r.stderr);
  return { out: r.stdout, err: r.stderr };
}

const src = (f: string) => JSON.stringify(join(repoRoot, 'src', f));

test('a FIFO run.json, exit.json, labels.json or console.log: the run is listed as unreadable, followed and summarized, nothing waits', unixOnly, (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-fifo-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const runs = join(root, '.sdxl', 'runs');
  // One record whose every file is a FIFO, and one good record beside it.
  const planted = join(runs, '20261129-100000-planted');
  mkdirSync(planted, { recursive: true });
  for (const f of ['run.json', 'exit.json', 'labels.json', 'console.log']) execFileSync('mkfifo', [join(planted, f)]);
  const good = join(runs, '20261129-110000-good');
  mkdirSync(good);
  writeFileSync(
    join(good, 'run.json'),
    JSON.stringify({
      id: '20261129-110000-good',
      name: 'good',
      script: 'lora',
      plan: { argv: [], env: {}, cwd: root, script: 'lora' },
      createdAt: '2026-11-29T11:00:00.000Z',
      state: 'succeeded',
    }),
  );
  writeFileSync(join(good, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, stopRequested: false, endedAt: '2026-11-29T11:10:00.000Z' }));

  const listed = inChild(`
    const { listRuns } = require(${src('core/supervisor/runRecord.ts')});
    const problems = [];
    const entries = listRuns(${JSON.stringify(runs)}, problems);
    process.stdout.write(JSON.stringify({ entries: entries.map((e) => [e.record.id, e.record.state, e.unreadable ?? null]), problems }));
  `);
  const { entries, problems } = JSON.parse(listed.out) as { entries: [string, string, string | null][]; problems: string[] };
  assert.deepEqual(
    entries.map(([id]) => id),
    ['20261129-100000-planted', '20261129-110000-good'],
  );
  assert.match(entries[0]![2]!, /run\.json is not a regular file \(a FIFO\)/);
  assert.equal(entries[1]![1], 'succeeded');
  assert.match(problems.join('\n'), /run\.json is not a regular file/);

  const followed = inChild(`
    const { readRunState } = require(${src('core/monitor/runMonitor.ts')});
    const { readLabels } = require(${src('core/supervisor/runLabels.ts')});
    const { tailProgress } = require(${src('core/supervisor/unknownExit.ts')});
    (async () => {
      const s = await readRunState(${JSON.stringify(planted)}, ${JSON.stringify(join(root, 'images'))});
      const labels = await readLabels(${JSON.stringify(planted)});
      const tail = tailProgress(${JSON.stringify(join(planted, 'console.log'))});
      process.stdout.write(JSON.stringify({ log: [...s.notices, ...s.logTail.map((l) => l.message)].join('\\n'), labels: labels.problems, tail }));
    })();
  `);
  const f = JSON.parse(followed.out) as { log: string; labels: string[]; tail: { step: number | null } };
  assert.match(f.log, /console\.log is not a regular file \(a FIFO\)/);
  assert.match(f.labels.join('\n'), /labels\.json is not a regular file \(a FIFO\)/);
  assert.equal(f.tail.step, null);
});

test('a record file over the size cap is refused by name, not read into memory', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sdxl-big-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, '20261129-100000-big');
  mkdirSync(dir);
  // Sparse: 17 MiB of size without writing it.
  writeFileSync(join(dir, 'run.json'), '');
  execFileSync('truncate', ['-s', String(17 * 1024 * 1024), join(dir, 'run.json')]);
  const out = inChild(`
    const { listRuns } = require(${src('core/supervisor/runRecord.ts')});
    process.stdout.write(listRuns(${JSON.stringify(root)})[0].unreadable);
  `).out;
  assert.match(out, /run\.json is 17825792 bytes long, more than the 16777216/);
});
