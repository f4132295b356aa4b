// Fault 8 of issue 8's fault suite: two windows on one workspace, each a process with its own Supervisor on the same
// folder (test/fault/windowAgent.ts). (a) Two `run start`s of one config racing: never two trainings writing one
// output_dir at once, and both windows read the same records. (b) Two queue pumps racing (besides the finishing
// run's wrapper, which pumps too) over the same queued run: it starts exactly once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isWrapperAlive } from '../../src/core/supervisor/liveness';
import { listRuns, readRecord, recordFiles } from '../../src/core/supervisor/runRecord';
import { ReliabilityLog } from '../reliabilityReport';
import { cli, dataset, lora, repoRoot, runProcessCount, supervisor, unixOnly, waitFor, workspace, wrapperJs, type Workspace } from './faultKit';

const log = new ReliabilityLog('two-windows', 'fault');
after(() => log.write());

const AGENT = join(repoRoot, 'test', 'fault', 'windowAgent.ts');
const ACCELERATE = join(repoRoot, 'test', 'fixtures', 'fake-bin', 'accelerate');
const STANDIN = join(repoRoot, 'test', 'fixtures', 'trainer', 'standin_trainer.py');

/** Runs a window agent; resolves with its JSON line. */
async function agent(args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', AGENT, ...args], {
    cwd: repoRoot,
    env: { ...process.env, SDXL_TEST_WRAPPER: await wrapperJs() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  try {
    return JSON.parse(out.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(`window agent ${args[0]} exited ${code}: ${out}${err}`);
  }
}

/** A workspace with `.sdxl` whose `race.sdxl.json` trains the stand-in for 30 steps. */
function standinConfig(ws: Workspace): string {
  mkdirSync(join(ws.root, '.sdxl'), { recursive: true });
  cpSync(join(repoRoot, 'demo-workspace', 'data'), join(ws.root, 'data'), { recursive: true });
  symlinkSync(STANDIN, join(ws.root, 'train_text_to_image_lora_sdxl.py'));
  const file = join(ws.root, 'race.sdxl.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        script: 'lora',
        name: 'race',
        launch: {
          accelerate: ACCELERATE,
          scriptPath: 'train_text_to_image_lora_sdxl.py',
          env: { SDXL_STANDIN_TRAINER: '1', STANDIN_STEP_SECONDS: '0.05', STANDIN_PRECOMPUTE_SECONDS: '0.01', STANDIN_VALIDATION_SECONDS: '0.01' },
        },
        args: {
          pretrained_model_name_or_path: 'stabilityai/stable-diffusion-xl-base-1.0',
          train_data_dir: './data',
          resolution: 512,
          train_batch_size: 1,
          max_train_steps: 30,
          checkpointing_steps: 10,
          report_to: 'tensorboard',
          output_dir: './out',
        },
      },
      null,
      2,
    ),
  );
  return file;
}

const interval = (r: { startedAt?: string; endedAt?: string }) => [Date.parse(r.startedAt ?? ''), Date.parse(r.endedAt ?? '') || Infinity] as const;

test('fault 8a: two windows start one config at the same moment: never two trainings in one output_dir at once', unixOnly(120_000), async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const file = standinConfig(ws);
  const go = join(ws.root, 'go');
  const racing = [agent(['start', file, ws.root, go]), agent(['start', file, ws.root, go])];
  // Both agents are up (tsx compiled) before the go: a short wait for their start, then the go file.
  await new Promise((r) => setTimeout(r, 3000));
  writeFileSync(go, '');
  const results = await Promise.all(racing);
  await waitFor(
    async () => {
      const runs = listRuns(ws.recordsDir);
      const wrappers = await Promise.all(runs.map((e) => isWrapperAlive(e.record)));
      return runs.every((e, i) => ['succeeded', 'failed', 'stopped'].includes(e.record.state) && !wrappers[i]);
    },
    'every run to end',
    90_000,
  );
  const runs = listRuns(ws.recordsDir).map((e) => e.record);
  const bad: string[] = [];
  const started = runs.filter((r) => r.pid !== undefined);
  for (let i = 0; i < started.length; i++) {
    for (let j = i + 1; j < started.length; j++) {
      const [a0, a1] = interval(started[i]!);
      const [b0, b1] = interval(started[j]!);
      if (a0 < b1 && b0 < a1 && started[i]!.outputDir === started[j]!.outputDir)
        bad.push(`runs ${started[i]!.id} and ${started[j]!.id} trained in ${started[i]!.outputDir} at the same time`);
    }
  }
  for (const r of runs) {
    const banners = (readFileSync(recordFiles(join(ws.recordsDir, r.id)).console, 'utf8').match(/\*{5} Running training \*{5}/g) ?? []).length;
    if (r.pid !== undefined && banners !== 1) bad.push(`run ${r.id}: ${banners} trainings in its console`);
    if ((await runProcessCount(r)) !== 0) bad.push(`run ${r.id}: processes left`);
  }
  // Both windows read the same records: this process's supervisor and the CLI list the same runs in the same states.
  const sup = await supervisor(ws);
  const listed = await cli(ws, ['run', 'list', '--json']);
  const mine = (await sup.list()).map((e) => `${e.record.id}:${e.record.state}`).sort();
  const cliList = (JSON.parse(listed.out) as Array<{ id: string; state: string }>).map((r) => `${r.id}:${r.state}`).sort();
  if (JSON.stringify(mine) !== JSON.stringify(cliList)) bad.push(`the two views differ: ${mine.join(', ')} / ${cliList.join(', ')}`);
  const said = results.map(
    (r) =>
      `exit ${String(r.code)}: ${
        String(r.out || r.err)
          .trim()
          .split('\n')[0]
      }`,
  );
  log.verdict(
    'two windows start one config at once',
    `${runs.length} runs (${runs.map((r) => r.state).join(', ')}); the starts said: ${said.join(' | ')}`,
    bad,
    said.join('\n'),
  );
});

test(
  "fault 8b: two queue pumps in two processes race over one queued run (and its predecessor's wrapper): it starts exactly once",
  unixOnly(120_000),
  async (t) => {
    const ws = workspace();
    t.after(() => ws.cleanup());
    const data = await dataset(ws, 4);
    const sup = await supervisor(ws);
    const first = await sup.start(lora(ws, data, ['--max_train_steps=20', '--checkpointing_steps=10'], { STANDIN_STEP_SECONDS: '0.1' }));
    const planB = lora(ws, data, ['--max_train_steps=10', '--checkpointing_steps=10']);
    planB.argv = planB.argv.map((a) => (a === '--output_dir=out' ? '--output_dir=out-b' : a));
    const { entry } = await sup.enqueue(planB, { name: 'queued' });
    assert.equal(entry.record.state, 'queued', 'queued behind the live run');
    const go = join(ws.root, 'go');
    const pumps = [agent(['pump', ws.root, go, entry.record.id]), agent(['pump', ws.root, go, entry.record.id])];
    await new Promise((r) => setTimeout(r, 3000));
    writeFileSync(go, '');
    const results = await Promise.all(pumps);
    const b = join(ws.recordsDir, entry.record.id);
    await waitFor(async () => ['succeeded', 'failed'].includes(readRecord(b).state) && !(await isWrapperAlive(readRecord(b))), 'the queued run to end', 90_000);
    await waitFor(async () => !(await isWrapperAlive(readRecord(first.dir))), 'the first run to end', 30_000);
    const bad: string[] = [];
    const starts = results.flatMap((r) => (r.started as string[]).filter((id) => id === entry.record.id));
    const banners = (readFileSync(recordFiles(b).console, 'utf8').match(/\*{5} Running training \*{5}/g) ?? []).length;
    if (banners !== 1) bad.push(`${banners} trainings in the queued run's console`);
    if (starts.length > 1) bad.push(`started by ${starts.length} pumps`);
    const rb = readRecord(b);
    if (rb.state !== 'succeeded') bad.push(`the queued run ${rb.state}: ${rb.note ?? ''}`);
    if (readRecord(first.dir).state !== 'succeeded') bad.push(`the first run ${readRecord(first.dir).state}`);
    if ((await runProcessCount(rb)) !== 0) bad.push('processes left');
    const other = await supervisor(ws);
    if ((await other.get(entry.record.id)).record.state !== (await sup.get(entry.record.id)).record.state) bad.push('two supervisors disagree');
    log.verdict(
      'two queue pumps race over one queued run',
      `started by ${starts.length ? 'a racing pump' : "the first run's wrapper"}; trainings in its console: ${banners}; state ${rb.state}`,
      bad,
    );
  },
);
