// Issue 8's fault checks in a real VS Code (code-server), one session:
// 4. the extension host dies mid-run: a Reload Window, then a SIGKILL of the extension host process (found in
//    code-server's process tree); after each the same training process runs on, the status bar follows it again, and
//    at the end the Runs view, the dashboard (every step) and `summarize` agree it succeeded;
// 5. two windows (two browser pages, so two extension hosts) on one workspace: a run queued in one is started exactly
//    once (one training process) and both windows show it; Start of one config in both at once asks in one of them
//    (its output folder is being written), never two trainings in one output_dir.
// Every check goes into test-results/reliability/fault-e2e-faults.json.
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ReliabilityLog } from '../reliabilityReport.js';
import { withVsCode, type VsCode } from './harness.js';
import { stillAlive } from './plantedRecords.js';
import { StepClock, until } from './processes.js';
import { descendants, processTable, ProcWatch, type SeenProcess } from './procWatch.js';
import { checker } from './reliabilityChecks.js';
import { lossChart, openDashboardFromRow, prepareStandinWorkspace, RUNS_TEMPLATE, runRecords, summarize, treeRows, waitForRecord } from './standin.js';

const log = new ReliabilityLog('e2e-faults', 'fault');
const check = checker(log);
after(() => log.write());

// Long enough to outlast a Reload Window and an extension host restart on a loaded 2-core machine (each can take
// 30 s there); the stand-in's steps are sleeps, so the run's length hardly depends on the load.
const LONG_STEPS = 800;

/** A config of the template's normal one with its own name, length, step time and output folder; no validation. */
function standinConfig(ws: string, file: string, name: string, steps: number, stepSeconds: number): void {
  const text = readFileSync(join(ws, 'normal.sdxl.json'), 'utf8');
  const config = JSON.parse(text.replace(/^\/\/.*$/gm, '')) as { name: string; launch: { env: Record<string, string> }; args: Record<string, unknown> };
  config.name = name;
  config.launch.env.STANDIN_STEP_SECONDS = String(stepSeconds);
  for (const k of ['validation_prompt', 'num_validation_images', 'validation_epochs']) delete config.args[k];
  Object.assign(config.args, {
    max_train_steps: steps,
    checkpointing_steps: Math.max(10, Math.floor(steps / 3)),
    output_dir: `./output/${file.replace('.sdxl.json', '')}`,
  });
  writeFileSync(join(ws, file), JSON.stringify(config, null, 2) + '\n');
}

async function startFromPalette(vs: VsCode, configFile: string): Promise<void> {
  await vs.runCommand('SDXL: Start Training Run');
  await vs.pick(configFile);
}

/** The step the status bar shows for the running simulation, if any. */
async function statusStep(vs: VsCode): Promise<number | undefined> {
  const item = vs.statusBarItem('SDXL SIMULATION').first();
  if (!(await item.isVisible())) return undefined;
  const m = /(\d+)\/(\d+)/.exec((await item.textContent()) ?? '');
  return m ? Number(m[1]) : undefined;
}

function waitForStatusStep(vs: VsCode, above: number, timeoutMs = 60_000): Promise<number> {
  return until(
    `the status bar to show a step above ${above}`,
    timeoutMs,
    async () => {
      const s = await statusStep(vs);
      return s !== undefined && s > above ? s : undefined;
    },
    100,
  );
}

/** Pids of code-server's extension hosts (one per window). */
function extensionHosts(serverPid: number): number[] {
  return descendants(processTable(), serverPid)
    .filter((p) => p.cmd.includes('--type=extensionHost'))
    .map((p) => p.pid);
}

/** The Runs view row of the run named `name`, once it reads `text`; returns the row's text. */
async function rowReads(vs: VsCode, name: string, text: RegExp, timeoutMs = 30_000): Promise<string> {
  await vs.runCommand('SDXL: Focus on Runs View');
  const row = treeRows(vs, 'Runs', name).filter({ hasText: text }).first();
  await row.waitFor({ timeout: timeoutMs });
  return (await row.textContent()) ?? '';
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

test('faults: extension host reloaded and SIGKILLed mid-run; two windows on one workspace', async () => {
  const clock = new StepClock();
  let watch: ProcWatch | undefined;
  try {
    await withVsCode(
      'faults',
      {
        workspaceTemplate: RUNS_TEMPLATE,
        prepareWorkspace: async (ws) => {
          standinConfig(ws, 'long.sdxl.json', 'long run', LONG_STEPS, 0.1);
          standinConfig(ws, 'hold.sdxl.json', 'hold run', 150, 0.1);
          standinConfig(ws, 'queued.sdxl.json', 'later run', 30, 0.05);
          standinConfig(ws, 'race.sdxl.json', 'race run', 60, 0.1);
          await prepareStandinWorkspace(ws);
        },
      },
      async (a) => {
        const ws = a.workspace;
        const serverPid = a.serverPid!;
        // Training processes (the stand-in, `python3 …/standin_trainer.py ARGS` as the fake accelerate starts it; not
        // the launcher) working in this workspace, by output folder: each seen once, and the most at once in one folder.
        const outputOf = (p: SeenProcess) => /--output_dir[= ]\S*output\/([\w-]+)/.exec(p.cmd)?.[1] ?? '?';
        const trainers = (table: SeenProcess[]) => table.filter((p) => p.cmd.includes('standin_trainer.py') && cwdOf(p.pid) === ws);
        watch = new ProcWatch(
          trainers,
          (table) => {
            const perDir = new Map<string, number>();
            for (const p of trainers(table)) perDir.set(outputOf(p), (perDir.get(outputOf(p)) ?? 0) + 1);
            let most = 0;
            for (const n of perDir.values()) most = Math.max(most, n);
            return most;
          },
          50,
        );
        const trainersIn = (dir: string) => [...watch!.seen.values()].filter((p) => outputOf(p) === dir);
        clock.restart();

        // --- 4. A long run; Reload Window mid-run.
        await startFromPalette(a, 'long.sdxl.json');
        const long = await waitForRecord(ws, 'the long run to run', (r) => r.name === 'long run' && r.state === 'running' && r.pid !== undefined);
        const training = { pid: long.record.pid!, start: (long.record as { procStartTime?: string }).procStartTime ?? '' };
        const beforeReload = await waitForStatusStep(a, 3);
        await check('Reload Window mid-run: the same training runs on and the window follows it again', async () => {
          await a.reloadWindow();
          const after = await waitForStatusStep(a, beforeReload);
          const rec = runRecords(ws).find((r) => r.record.id === long.record.id)!;
          assert.equal(rec.record.state, 'running');
          assert.equal(rec.record.pid, training.pid, 'the same training pid');
          assert.ok(await stillAlive(training), 'the training process lives on');
          assert.ok(after < LONG_STEPS - 20, `the run must still be going after the reload (step ${after})`);
          return `step ${beforeReload} before, ${after} after; training pid ${training.pid}`;
        });
        clock.step('reload');

        await check('SIGKILL of the extension host mid-run: the same training runs on; a new host follows it again', async () => {
          const hosts = extensionHosts(serverPid);
          assert.equal(hosts.length, 1, `one extension host: ${hosts.join(', ')}`);
          const atKill = (await statusStep(a)) ?? 0;
          process.kill(hosts[0]!, 'SIGKILL');
          // VS Code restarts a remote extension host that crashed (fewer than 3 times in 5 minutes).
          const next = await until('a new extension host', 60_000, async () => extensionHosts(serverPid).find((p) => p !== hosts[0]));
          const after = await waitForStatusStep(a, atKill);
          const rec = runRecords(ws).find((r) => r.record.id === long.record.id)!;
          assert.equal(rec.record.state, 'running');
          assert.equal(rec.record.pid, training.pid, 'the same training pid');
          assert.ok(await stillAlive(training), 'the training process lives on');
          return `host ${hosts[0]} killed at step ${atKill}; host ${next} shows step ${after}`;
        });
        clock.step('extension host killed');

        await check("after the reload and the kill, the run's outcome is right: succeeded, every step, in the Runs view, dashboard and summarize", async () => {
          await waitForRecord(ws, 'the long run to succeed', (r) => r.id === long.record.id && r.state === 'succeeded', 120_000);
          const summary = await summarize(long.dir);
          assert.equal(summary.state, 'succeeded');
          assert.equal(summary.step, LONG_STEPS);
          await rowReads(a, 'long run', new RegExp(`finished at step ${LONG_STEPS}`));
          const frame = await openDashboardFromRow(a, treeRows(a, 'Runs', 'long run').first());
          const chart = await until('the loss chart to hold the whole run', 30_000, async () => {
            const c = await lossChart(frame);
            return c.series.step_loss?.last === LONG_STEPS ? c : undefined;
          });
          assert.deepEqual([chart.series.step_loss!.first, chart.series.step_loss!.n], [1, LONG_STEPS], 'no gap in the loss curve');
          // One training process all along, through the reload and the kill.
          const seen = trainersIn('long');
          assert.equal(seen.length, 1, `training processes of the long run: ${seen.map((p) => p.pid).join(', ')}`);
          await a.runCommand('View: Close All Editors');
          return `succeeded at ${summary.step}/${LONG_STEPS}; loss curve ${chart.series.step_loss!.n} points`;
        }).catch((e: unknown) => {
          log.runLost();
          throw e;
        });
        clock.step('outcome');

        // --- 5. A second window on the same folder: its own extension host.
        const b = await a.openWindow();
        await check('a second window on the workspace has its own extension host and shows the same ended run', async () => {
          await until('two extension hosts', 60_000, async () => (extensionHosts(serverPid).length === 2 ? true : undefined));
          await rowReads(b, 'long run', new RegExp(`finished at step ${LONG_STEPS}`), 60_000);
        });
        clock.step('second window');

        // Start of one config in both windows at once: one starts, the other asks (its folder is being written).
        await check('Start in both windows at once: one run in output/race, the other window asks, never two trainings in one folder', async () => {
          await Promise.all([startFromPalette(a, 'race.sdxl.json'), startFromPalette(b, 'race.sdxl.json')]);
          const dialogs = [a, b].map((w) => w.page.locator('.monaco-dialog-box'));
          const asked = await until('a window to ask about output/race, or two race runs', 60_000, async () => {
            for (const [i, d] of dialogs.entries()) if (await d.isVisible()) return i;
            return runRecords(ws).filter((r) => r.record.name === 'race run').length > 1 ? -1 : undefined;
          });
          assert.notEqual(
            asked,
            -1,
            `two race runs started without a question: ${JSON.stringify(
              runRecords(ws)
                .filter((r) => r.record.name === 'race run')
                .map((r) => r.record.outputDir),
            )}`,
          );
          const asker = asked === 0 ? a : b;
          const question = await asker.answerDialog(/^Start in output\/race-2$/);
          assert.match(question, /Output folder 'output\/race' is being written by run/);
          await until('both race runs to end', 90_000, async () => {
            const races = runRecords(ws).filter((r) => r.record.name === 'race run');
            return races.length === 2 && races.every((r) => r.record.state === 'succeeded') ? races : undefined;
          });
          const races = runRecords(ws)
            .filter((r) => r.record.name === 'race run')
            .map((r) => r.record.outputDir ?? join(ws, 'output', 'race'))
            .sort();
          assert.deepEqual(races, [join(ws, 'output', 'race'), join(ws, 'output', 'race-2')]);
          assert.equal(trainersIn('race').length, 1, 'training processes in output/race');
          assert.equal(trainersIn('race-2').length, 1, 'training processes in output/race-2');
          return `window ${asked === 0 ? 'A' : 'B'} asked; runs in output/race and output/race-2, one training each`;
        });
        clock.step('race');

        // A run queued in window A (behind another) starts once, and window B follows both.
        await startFromPalette(a, 'hold.sdxl.json');
        await waitForRecord(ws, 'the hold run to run', (r) => r.name === 'hold run' && r.state === 'running');
        await startFromPalette(a, 'queued.sdxl.json');
        const queued = await waitForRecord(ws, 'the queued run', (r) => r.name === 'later run');
        await check('a run queued in one window is shown queued in both', async () => {
          assert.equal(queued.record.state, 'queued', 'queued behind the hold run');
          await rowReads(a, 'later run', /queued/);
          await rowReads(b, 'later run', /queued/);
        });
        await check('two windows: the queued run is started exactly once (one record, one training process), and both show its end', async () => {
          await waitForRecord(ws, 'the later run to succeed', (r) => r.id === queued.record.id && r.state === 'succeeded', 90_000);
          assert.equal(runRecords(ws).filter((r) => r.record.name === 'later run').length, 1, 'records of the queued run');
          const seen = trainersIn('queued');
          assert.equal(seen.length, 1, `training processes in output/queued: ${seen.map((p) => p.pid).join(', ')}`);
          const summary = await summarize(queued.dir);
          assert.equal(summary.step, 30);
          await rowReads(a, 'later run', /finished at step 30/);
          await rowReads(b, 'later run', /finished at step 30/);
          return `1 record, training pid ${seen[0]!.pid}; both windows: finished at step 30`;
        });
        clock.step('queued once');

        await check('never two trainings at once in one output_dir (the process table sampled all along)', () => {
          watch!.stop();
          assert.equal(watch!.peak, 1, `most training processes seen at once in one output folder: ${watch!.peak}`);
          return `${watch!.seen.size} training processes seen`;
        });
      },
    );
  } finally {
    watch?.stop();
  }
  clock.report('faults');
});
