// The chat's language model tools' texts (src/core/view/chatTools.ts) on recorded runs: the real v0.27.2 DreamBooth
// LoRA run and its real failure (test/fixtures/real-v0.27.2), and stand-in consoles (a CUDA OOM), each in a record
// folder built the way the supervisor writes one. Assertions on content, not whole snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { showRun } from '../../src/core/monitor/runShow';
import { consoleExcerpt, readFailureLine } from '../../src/core/monitor/consoleExcerpt';
import { summarizePath } from '../../src/core/monitor/summarize';
import { readRecord, recordFiles, type RunEntry } from '../../src/core/supervisor/runRecord';
import { chatRunRow, failureExplanationText, runListText, runSummaryText } from '../../src/core/view/chatTools';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

const REAL = join(__dirname, '..', 'fixtures', 'real-v0.27.2');
const STANDIN = join(__dirname, '..', 'fixtures', 'console', 'failures');
const TOKEN = 'hf_' + 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';

interface Ws {
  root: string;
  runs: string;
  done(): void;
}

function workspace(): Ws {
  const root = mkdtempSync(join(tmpdir(), 'chat-tools-'));
  const runs = join(root, '.sdxl', 'runs');
  mkdirSync(runs, { recursive: true });
  return { root, runs, done: () => rmSync(root, { recursive: true, force: true }) };
}

/** The real run's output_dir: its event files, and the other files of its listing as empty stand-ins of their size. */
function realOutputDir(into: string): string {
  const dir = join(into, 'out');
  cpSync(join(REAL, 'output-pipe'), dir, { recursive: true });
  rmSync(join(dir, 'listing.txt'));
  for (const line of readFileSync(join(REAL, 'output-pipe', 'listing.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)) {
    const [path, size] = line.split(' ');
    if (path!.startsWith('logs/')) continue;
    mkdirSync(dirname(join(dir, path!)), { recursive: true });
    writeFileSync(join(dir, path!), '');
    truncateSync(join(dir, path!), Number(size));
  }
  return dir;
}

/** A record folder as the supervisor leaves it: run.json, console.log, exit.json. */
function record(
  ws: Ws,
  id: string,
  opts: { console: string; script: string; scriptFile: string; state: string; exitCode: number; outputDir: string; startedAt: string; endedAt: string },
): string {
  const dir = join(ws.runs, id);
  mkdirSync(dir);
  writeFileSync(recordFiles(dir).console, opts.console);
  writeFileSync(
    recordFiles(dir).run,
    JSON.stringify({
      id,
      name: id.replace(/^\d+-\d+-/, ''),
      configPath: join(ws.root, `${id.replace(/^\d+-\d+-/, '')}.sdxl.json`),
      script: opts.script,
      state: opts.state,
      createdAt: opts.startedAt,
      startedAt: opts.startedAt,
      endedAt: opts.endedAt,
      exitCode: opts.exitCode,
      outputDir: opts.outputDir,
      plan: { cwd: ws.root, env: {}, argv: ['accelerate', 'launch', opts.scriptFile, '--output_dir', opts.outputDir] },
    }),
  );
  writeFileSync(recordFiles(dir).exit, JSON.stringify({ exitCode: opts.exitCode, signal: null, endedAt: opts.endedAt, stopRequested: false }));
  return dir;
}

/** The three recorded runs: the real success, the real failure, a stand-in CUDA OOM (with a token in its console). */
function threeRuns(ws: Ws) {
  const out = realOutputDir(ws.root);
  const real = record(ws, '20261129-100000-real-lora', {
    console: readFileSync(join(REAL, 'console-pipe.log'), 'utf8'),
    script: 'dreambooth-lora',
    scriptFile: 'train_dreambooth_lora_sdxl.py',
    state: 'succeeded',
    exitCode: 0,
    outputDir: out,
    startedAt: '2026-11-29T10:00:00.000Z',
    endedAt: '2026-11-29T10:01:30.000Z',
  });
  const realFail = record(ws, '20261129-110000-real-noinst', {
    console: readFileSync(join(REAL, 'missing-instance-data-dir.log'), 'utf8'),
    script: 'dreambooth-lora',
    scriptFile: 'train_dreambooth_lora_sdxl.py',
    state: 'failed',
    exitCode: 1,
    outputDir: join(ws.root, 'out-noinst'),
    startedAt: '2026-11-29T11:00:00.000Z',
    endedAt: '2026-11-29T11:00:20.000Z',
  });
  const oomLog = readFileSync(join(STANDIN, 'cuda_oom.log'), 'utf8').split('\n');
  // A token printed by the training (a debug line) just before the error: inside the ±20 lines shown.
  oomLog.splice(25, 0, `debug: HF_TOKEN=${TOKEN} login ok`);
  const oom = record(ws, '20261129-120000-oom', {
    console: oomLog.join('\n'),
    script: 'full',
    scriptFile: 'train_text_to_image_sdxl.py',
    state: 'failed',
    exitCode: 1,
    outputDir: join(ws.root, 'sdxl-out'),
    startedAt: '2026-11-29T12:00:00.000Z',
    endedAt: '2026-11-29T12:05:12.000Z',
  });
  return { real, realFail, oom, out };
}

async function entryAndState(dir: string): Promise<{ entry: RunEntry; state: Awaited<ReturnType<typeof summarizePath>>['state'] }> {
  return { entry: { dir, record: readRecord(dir) }, state: (await summarizePath(dir)).state };
}

test('sdxl_listRuns: every run newest first, with config, state and outcome, steps, start, duration and last loss; capped', async () => {
  const ws = workspace();
  try {
    const { real, realFail, oom } = threeRuns(ws);
    const rows = [];
    for (const dir of [real, realFail, oom]) {
      const { entry, state } = await entryAndState(dir);
      rows.push(chatRunRow(entry, state, { workspaceRoot: ws.root }));
    }
    const text = runListText(rows);
    const lines = text.split('\n');
    assert.match(lines[0]!, /^3 training runs in this workspace, newest first:/);
    // Newest first: the OOM (12:00), the real failure (11:00), the real success (10:00).
    assert.match(
      lines[1]!,
      /^- 20261129-120000-oom "oom": full, config oom\.sdxl\.json; failed \(Out of GPU memory\); step .*; started 2026-11-29T12:00:00\.000Z; took 05:12/,
    );
    assert.match(
      lines[2]!,
      /^- 20261129-110000-real-noinst "real-noinst": dreambooth-lora, config real-noinst\.sdxl\.json; failed \(The training data is missing or does not fit the script\); step \?\/\?; .*took 00:20/,
    );
    // The real run: 6 of 6 steps, its last loss from the console's bar (1.1), 1:30.
    assert.match(
      lines[3]!,
      /^- 20261129-100000-real-lora "real-lora": dreambooth-lora, config real-lora\.sdxl\.json; succeeded; step 6\/6; started 2026-11-29T10:00:00\.000Z; took 01:30; last loss 1\.1$/,
    );
    assert.doesNotMatch(text, /more|not listed/);
    // Capped: 2 listed, the rest counted.
    const capped = runListText(rows, { limit: 2 });
    assert.match(capped, /\(the newest 2 listed\)/);
    assert.match(capped, /… and 1 older run not listed\./);
    assert.doesNotMatch(capped, /real-lora"/);
    assert.match(runListText([]), /No training runs/);
  } finally {
    ws.done();
  }
});

test('sdxl_runSummary: exactly `run show --json`s object, for the real run and the stand-in OOM', async () => {
  const ws = workspace();
  try {
    const { real, oom, out } = threeRuns(ws);
    for (const [dir, id] of [
      [real, '20261129-100000-real-lora'],
      [oom, '20261129-120000-oom'],
    ] as const) {
      const { show } = await showRun(dir, id, { recordOutputDir: readRecord(dir).outputDir!, recordName: readRecord(dir).name });
      const text = runSummaryText(show, { name: readRecord(dir).name });
      const json = /```json\n([\s\S]*)\n```/.exec(text)![1]!;
      // The CLI's `run show ID --json` prints the same object.
      const printed: string[] = [];
      const io: CliIo = { out: (t) => printed.push(t), err: () => undefined, readStdin: async () => '', cwd: ws.root };
      assert.equal(await main(['run', 'show', id, '--json', '--workspace', ws.root], io), 0);
      assert.deepEqual(JSON.parse(json), JSON.parse(printed.join('')), id);
      if (dir === real) {
        assert.match(text, /^SDXL training run 20261129-100000-real-lora "real-lora": succeeded, step 6\/6/);
        const parsed = JSON.parse(json) as { checkpoints: Array<{ step: number; path: string }>; outputDir: string; stepLoss: number; script: string };
        assert.deepEqual(
          parsed.checkpoints.map((c) => c.step),
          [4, 6],
        );
        assert.equal(parsed.outputDir, out);
        assert.equal(parsed.stepLoss, 1.1);
        assert.equal(parsed.script, 'dreambooth-lora');
      } else {
        assert.match(text, /: failed, Out of GPU memory,/);
        assert.equal((JSON.parse(json) as { failure: { class: string } }).failure.class, 'cuda_oom');
      }
    }
  } finally {
    ws.done();
  }
});

test('sdxl_explainFailure: class, title, message, remedy and fix, with the console lines around the failure, masked', async () => {
  const ws = workspace();
  try {
    const { oom, realFail, real } = threeRuns(ws);
    const secrets = ['my-wandb-key-123456'];
    // The stand-in OOM: the failure line is the OutOfMemoryError, ±20 lines around it, the token masked.
    const o = await readFailureLine(oom, secrets);
    assert.ok(o.line, 'the failure has a console line');
    // Numbered as the editor numbers lines: each tqdm redraw (a lone \r) is a line of its own.
    const oLines = readFileSync(recordFiles(oom).console, 'utf8')
      .replace(/\n$/, '')
      .split(/\r\n|\r|\n/);
    assert.match(oLines[o.line - 1]!, /OutOfMemoryError: CUDA out of memory/);
    const ex = await consoleExcerpt(recordFiles(oom).console, o.line, { secrets });
    const text = failureExplanationText({ id: '20261129-120000-oom', state: o.state, ...(ex ? { excerpt: ex } : {}) }, { secrets });
    assert.match(text, /^Run 20261129-120000-oom failed: Out of GPU memory \(class cuda_oom\)\./);
    assert.match(text, /^Message: .*CUDA out of memory/m);
    assert.match(text, /^Remedy: \S/m);
    assert.match(text, /^Fix the extension offers .*: Set gradient_checkpointing to true\.$/m);
    assert.match(text, new RegExp(`^>\\s*${o.line} \\| torch\\.OutOfMemoryError: CUDA out of memory`, 'm'));
    assert.equal(ex!.firstLine, Math.max(1, o.line - 20));
    assert.equal(ex!.lines.length, Math.min(oLines.length, o.line + 20) - ex!.firstLine + 1);
    assert.ok(!text.includes(TOKEN), 'the token is masked');
    assert.match(text, /HF_TOKEN=hf_…2345 login ok/);

    // The real failure (a ValueError after the models loaded): its line and its diagnosis.
    const r = await readFailureLine(realFail);
    const rex = await consoleExcerpt(recordFiles(realFail).console, r.line!);
    const rtext = failureExplanationText({ id: 'x', state: r.state, ...(rex ? { excerpt: rex } : {}) });
    assert.match(rtext, /failed: The training data is missing or does not fit the script \(class dataset_columns\)/);
    assert.match(rtext, /^>\s*20 \| ValueError: Instance images root doesn't exists\.$/m);
    assert.match(rtext, /^Config key: \/args\/instance_data_dir$/m);

    // The real success: nothing to explain, and it says what the run did (with its duration and speed from step times).
    const ok = await readFailureLine(real);
    assert.equal(ok.line, undefined);
    assert.match(
      failureExplanationText({ id: 'y', state: ok.state }),
      /^Run y has no failure or warning to explain: finished at step 6 in \d\d:\d\d · avg \d+\.\d+ s\/it\.$/,
    );
  } finally {
    ws.done();
  }
});

test('console excerpt: bounded in bytes however long the lines, lines numbered as the editor does (a lone \\r ends a line)', async () => {
  const ws = workspace();
  try {
    const p = join(ws.root, 'console.log');
    const huge = 'x'.repeat(100_000);
    // Lines 1-3 with \r (tqdm redraws), then 40 long lines, the target at line 24.
    const body = ['a\rb\rc', ...Array.from({ length: 40 }, (_, i) => (i === 20 ? `TARGET ${TOKEN}` : `${i} ${huge}`))].join('\n');
    writeFileSync(p, body);
    const ex = (await consoleExcerpt(p, 24, { maxBytes: 4096 }))!;
    assert.ok(ex.lines.join('\n').length <= 4096, 'within the cap');
    assert.ok(ex.truncated);
    assert.equal(ex.lines[24 - ex.firstLine], 'TARGET hf_…2345');
    const small = (await consoleExcerpt(p, 2, { radius: 1 }))!;
    assert.deepEqual(small.lines.slice(0, 3), ['a', 'b', 'c'].slice(0, small.lines.length).slice(0, 3));
    assert.equal(small.firstLine, 1);
    assert.equal(await consoleExcerpt(p, 1000), undefined);
    assert.equal(await consoleExcerpt(join(ws.root, 'nope.log'), 1), undefined);
  } finally {
    ws.done();
  }
});
