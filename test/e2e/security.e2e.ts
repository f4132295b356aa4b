// Issue 8's security checks in a real VS Code (code-server) with the packaged extension:
// 1. a fake Hub token in a config's args.hub_token and launch.env.HF_TOKEN, runs from the UI that succeed and fail:
//    the token is in no file (workspace, code-server's logs and state, the extension's log) but the configs, nor in
//    the Output panel, the notifications, the Problems panel, the Runs view or the dashboards; only `hf_…ghij` may show;
// 2. planted records in a trusted window: a queued run.json from elsewhere is not started (no marker, no process), is
//    labelled "queued elsewhere" and asked about (Remove It removes it); Stop on a "running" record naming a foreign
//    `sleep` without its start time, or with a wrong one, refuses and says why, and the `sleep` lives on;
// 3. an untrusted workspace (trust on, folder not trusted): opening configs, the Runs view, the dashboard and trying
//    the commands start no process at all (the code-server process tree sampled all along, and `ps` at the end), no
//    Start or Stop is offered, and the planted records are neither started nor asked about.
// Every check goes into test-results/reliability/security-e2e-security.json.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { ReliabilityLog } from '../reliabilityReport.js';
import { withVsCode, type VsCode } from './harness.js';
import { foreignSleep, plantQueued, plantRunning, stillAlive } from './plantedRecords.js';
import { StepClock, until } from './processes.js';
import { descendants, ProcWatch, type SeenProcess } from './procWatch.js';
import { checker } from './reliabilityChecks.js';
import {
  dashboardFrame,
  FAKE_NVIDIA_SMI,
  openDashboardFromRow,
  prepareStandinWorkspace,
  RUNS_TEMPLATE,
  runRecords,
  treeRows,
  waitForRecord,
} from './standin.js';

const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
/** The token, and its start: any cut of it longer than the mask (`hf_…ghij`) shows. (Its hex-like middle and alphabet-like end are in binaries such as libvips.) */
const TOKEN_PARTS = [TOKEN, 'FAKEtoken'];
const log = new ReliabilityLog('e2e-security', 'security');
const check = checker(log);
after(() => log.write());

function leaked(text: string): boolean {
  return TOKEN_PARTS.some((p) => text.includes(p));
}

/** Regular files under `dir` (recursively) whose bytes hold any part of the token (sockets and FIFOs skipped). */
function filesWithToken(dir: string): string[] {
  const parts = TOKEN_PARTS.map((p) => Buffer.from(p));
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => {
    try {
      if (!lstatSync(join(dir, f)).isFile()) return false;
      const bytes = readFileSync(join(dir, f));
      return parts.some((p) => bytes.includes(p));
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** A stand-in config of the workspace template, given the token both ways and its own name, length and output. */
function tokenConfig(ws: string, from: string, to: string, name: string, steps: number, extraEnv: Record<string, string>): void {
  const text = readFileSync(join(ws, from), 'utf8');
  const config = JSON.parse(text.replace(/^\/\/.*$/gm, '')) as { name: string; launch: { env: Record<string, string> }; args: Record<string, unknown> };
  config.name = name;
  Object.assign(config.launch.env, { STANDIN_STEP_SECONDS: '0.05', STANDIN_VALIDATION_SECONDS: '0.1', HF_TOKEN: TOKEN, ...extraEnv });
  Object.assign(config.args, { max_train_steps: steps, checkpointing_steps: 10, hub_token: TOKEN, output_dir: `./output/${to.replace('.sdxl.json', '')}` });
  writeFileSync(join(ws, to), JSON.stringify(config, null, 2) + '\n');
}

async function startFromPalette(vs: VsCode, configFile: string): Promise<void> {
  await vs.runCommand('SDXL: Start Training Run');
  await vs.pick(configFile);
}

test('security, trusted window: the Hub token shown nowhere; planted records neither started nor signalled', async () => {
  const clock = new StepClock();
  const marker = { path: '' };
  let planted = { id: '', dir: '', script: '' };
  const sleeps: Awaited<ReturnType<typeof foreignSleep>>[] = [];
  let watch: ProcWatch | undefined;
  try {
    await withVsCode(
      'security',
      {
        workspaceTemplate: RUNS_TEMPLATE,
        prepareWorkspace: async (ws) => {
          tokenConfig(ws, 'normal.sdxl.json', 'secret-ok.sdxl.json', 'secret ok', 20, {});
          tokenConfig(ws, 'oom.sdxl.json', 'secret-fail.sdxl.json', 'secret fail', 30, { STANDIN_FAIL_AT_STEP: '15' });
          await prepareStandinWorkspace(ws);
          marker.path = join(dirname(ws), 'planted-ran');
          planted = plantQueued(ws, marker.path);
          // Anything that runs the planted argv is seen, however short it lives.
          watch = new ProcWatch((table) => table.filter((p) => p.cmd.includes(planted.script) || p.cmd.includes(marker.path)));
        },
      },
      async (vs) => {
        const ws = vs.workspace;
        const opened = Date.now();
        clock.restart();

        // --- 2a. The planted queued record: labelled, asked about, not started; Remove It removes it.
        await vs.runCommand('SDXL: Focus on Runs View');
        const plantedRow = treeRows(vs, 'Runs', 'planted queued').first();
        await check('planted queued record labelled "queued elsewhere" in the Runs view', async () => {
          await plantedRow.filter({ hasText: 'queued elsewhere · not started' }).waitFor();
          return (await plantedRow.textContent()) ?? '';
        });
        let asked = '';
        await check('planted queued record: the "queued elsewhere … Start It / Remove It" prompt', async () => {
          const toast = vs.page
            .locator('.notifications-toasts .notification-toast, .notifications-center .monaco-list-row')
            .filter({ hasText: 'was queued elsewhere' })
            .first();
          await until(
            'the queued-elsewhere prompt',
            30_000,
            async () => ((await toast.isVisible()) ? true : (await vs.runCommand('Notifications: Show Notifications'), undefined)),
            500,
          );
          asked = (await toast.textContent()) ?? '';
          assert.match(asked, /run "planted queued" \(20200101-000000-planted-queued\) was queued elsewhere: this machine did not create its record/);
          assert.match(asked, /Start It/);
          assert.match(asked, /Remove It/);
          return asked.slice(0, 200);
        });
        await check('planted queued record not started in a trusted window (no marker, no process, no console)', () => {
          assert.ok(!existsSync(marker.path), 'the planted argv wrote its marker');
          assert.deepEqual(
            watch!.stop().map((p) => p.cmd),
            [],
            'processes running the planted argv',
          );
          assert.ok(!existsSync(join(planted.dir, 'console.log')), 'a console.log: it was started');
          return `window open ${Math.round((Date.now() - opened) / 1000)} s: no marker, 0 processes`;
        });
        await check('Remove It removes the planted queued run', async () => {
          await vs.clickNotificationButton('was queued elsewhere', 'Remove It');
          await until('the planted run to leave the queue', 15_000, async () => {
            const rec = runRecords(ws).find((r) => r.record.id === planted.id);
            return !rec || rec.record.state !== 'queued' ? true : undefined;
          });
          await plantedRow.filter({ hasText: 'queued elsewhere' }).waitFor({ state: 'detached' });
          assert.ok(!existsSync(marker.path), 'removing it ran it');
          const rec = runRecords(ws).find((r) => r.record.id === planted.id);
          return rec ? `record ${rec.record.state}` : 'record gone';
        });
        clock.step('planted queued');

        // --- 1. Runs with the token that succeed and fail, started from the palette.
        await vs.runCommand('Notifications: Clear All Notifications');
        await startFromPalette(vs, 'secret-ok.sdxl.json');
        const ok = await waitForRecord(ws, 'the token run to succeed', (r) => r.name === 'secret ok' && r.state === 'succeeded', 90_000);
        await startFromPalette(vs, 'secret-fail.sdxl.json');
        const failed = await waitForRecord(ws, 'the token run to fail', (r) => r.name === 'secret fail' && r.state === 'failed', 90_000);
        await vs.waitForNotification('secret fail" failed');
        const problems = await vs.waitForProblems('the failure on secret-fail.sdxl.json', (p) =>
          p.some((x) => x.file === 'secret-fail.sdxl.json' && x.code === 'run-cuda_oom'),
        );
        clock.step('token runs');

        await check('the token is in no notification (success and failure)', async () => {
          const notes = await vs.allNotifications();
          assert.ok(
            notes.some((n) => n.includes('secret fail')),
            `the failure notification: ${JSON.stringify(notes)}`,
          );
          for (const n of notes) assert.ok(!leaked(n), n);
          return `${notes.length} notifications`;
        });
        await check('the token is in no Problems entry', () => {
          for (const p of problems) assert.ok(!leaked(`${p.message} ${p.label}`), p.message);
          return `${problems.length} problems`;
        });
        await check("the token is in neither dashboard's DOM", async () => {
          await vs.runCommand('SDXL: Focus on Runs View');
          for (const [name, rec] of [
            ['secret fail', failed],
            ['secret ok', ok],
          ] as const) {
            await openDashboardFromRow(vs, treeRows(vs, 'Runs', name).first());
            const frame = await dashboardFrame(vs);
            // Its run's points are plotted: the page shows that run's state, not a blank one.
            await until(`the ${name} dashboard to plot ${rec.record.id}`, 30_000, async () =>
              Number(await frame.locator('section.chart[data-chart="loss"]').getAttribute('data-points')) > 0 ? true : undefined,
            );
            const html = await frame.locator('html').evaluate((el) => el.outerHTML);
            assert.ok(!leaked(html), `the ${name} dashboard holds the token`);
            await vs.runCommand('View: Close All Editors');
          }
          return '2 dashboards';
        });
        await check('the token is in no Runs view row', async () => {
          await vs.runCommand('SDXL: Focus on Runs View');
          const rows = await treeRows(vs, 'Runs', /secret/).allTextContents();
          assert.equal(rows.length, 2, rows.join(' | '));
          for (const r of rows) assert.ok(!leaked(r), r);
        });
        await check("the token is not in the Output panel's SDXL Trainer channel as shown", async () => {
          const shown = await vs.outputChannelText('SDXL Trainer');
          assert.ok(!leaked(shown), shown);
          return `${shown.length} characters shown`;
        });
        await check('the token is in no file but the configs (workspace, records, outputs, code-server logs and state, extension log)', () => {
          const inWorkspace = filesWithToken(ws).sort();
          assert.deepEqual(inWorkspace, ['secret-fail.sdxl.json', 'secret-ok.sdxl.json']);
          const outside = filesWithToken(vs.tempDir).filter((f) => !f.startsWith(`workspace${sep}`));
          assert.deepEqual(outside, [], 'files outside the workspace holding the token');
          const logs = readdirSync(join(vs.userDataDir, 'logs'), { recursive: true, encoding: 'utf8' });
          assert.ok(
            logs.some((f) => f.endsWith('SDXL Trainer.log')),
            "the extension's output channel file",
          );
          assert.ok(
            logs.some((f) => /exthost\d*\.log$/.test(f)),
            `the extension host log: ${logs.join(', ')}`,
          );
          assert.ok(!leaked(vs.serverLog), "code-server's own output");
          const records = runRecords(ws).filter((r) => r.record.name.startsWith('secret'));
          assert.equal(records.length, 2);
          return `${readdirSync(vs.tempDir, { recursive: true }).length} paths searched; records ${records.map((r) => r.record.state).join(', ')}`;
        });
        clock.step('token nowhere');

        // --- 2b. "Running" records naming a foreign live sleep: without a start time, and with a wrong one.
        const wrapper = await foreignSleep();
        const noTime = await foreignSleep();
        const wrongTime = await foreignSleep();
        sleeps.push(wrapper, noTime, wrongTime);
        const cases = [
          { id: '20200101-000001-planted-no-time', name: 'planted no start time', trainer: noTime, start: undefined, why: /no start time for it/ },
          {
            id: '20200101-000002-planted-wrong-time',
            name: 'planted wrong start time',
            trainer: wrongTime,
            start: `${wrongTime.start}0`,
            why: /but it started at/,
          },
        ];
        for (const c of cases) plantRunning(ws, c.id, c.name, c.trainer.pid, c.start, wrapper);
        await vs.runCommand('SDXL: Refresh Runs');
        await vs.runCommand('Notifications: Clear All Notifications');
        for (const c of cases) {
          await check(
            `Stop on a planted "running" record naming a foreign sleep (${c.start === undefined ? 'no start time' : 'wrong start time'}) refuses, says why, signals nothing`,
            async () => {
              const row = treeRows(vs, 'Runs', c.name).first();
              await row.waitFor();
              await vs.contextMenu(row, 'Stop Run');
              const said = await vs.waitForNotification(new RegExp(`${c.id} was not stopped`));
              assert.match(said, /no process was signalled/);
              assert.match(said, c.why);
              assert.match(said, new RegExp(`process ${c.trainer.pid} is alive`));
              assert.ok(await stillAlive(c.trainer), `the foreign sleep ${c.trainer.pid} was killed`);
              assert.ok(await stillAlive(wrapper), 'the foreign "wrapper" sleep was killed');
              assert.equal(runRecords(ws).find((r) => r.record.id === c.id)?.record.state, 'running', 'the record is left as it is');
              await vs.runCommand('Notifications: Clear All Notifications');
              return said.replace(/\s+/g, ' ').slice(0, 240);
            },
          );
        }
        clock.step('planted running');
      },
    );
  } finally {
    watch?.stop();
    for (const s of sleeps) s.kill();
  }
  clock.report('security (trusted)');
});

/** The tools the extension could start: python, accelerate, nvidia-smi, the wrapper, ps, PowerShell, the planted argv. */
const TOOL = /(^|\/)(python[0-9.]*|accelerate|nvidia-smi[\w.-]*|ps|powershell(\.exe)?|pwsh)$|wrapper\.js$|standin_trainer|planted\.py/;

/**
 * VS Code's own extension host scans for ports to forward with `ps -F -A -l | grep root` (ExtHostTunnelService, in any
 * workspace, trusted or not): a process of the workbench's, not of this extension, whose `ps` calls are
 * `ps -A -o pid=,ppid=,pgid=` (processTree.ts).
 */
const WORKBENCH_PORT_SCAN = /^(\S*\/)?ps -F -A -l$/;

function isTool(p: SeenProcess): boolean {
  if (WORKBENCH_PORT_SCAN.test(p.cmd.trim())) return false;
  return p.cmd
    .split(' ')
    .slice(0, 2)
    .some((a) => TOOL.test(a));
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}

test('security, untrusted workspace: configs, Runs view, dashboard and commands start 0 processes; no Start, no Stop', async () => {
  const clock = new StepClock();
  // An nvidia-smi that leaves a mark, as the user's and the workspace's setting: it must never run.
  const own = mkdtempSync(join(tmpdir(), 'sdxl-untrusted-'));
  const marker = { queued: join(own, 'planted-ran'), smi: join(own, 'smi-ran') };
  const smi = join(own, 'nvidia-smi-marker');
  writeFileSync(smi, `#!/bin/sh\necho ran >> '${marker.smi}'\nexec '${FAKE_NVIDIA_SMI}' "$@"\n`);
  chmodSync(smi, 0o755);
  const server = { pid: undefined as number | undefined, tempDir: '' };
  const sleeps: Awaited<ReturnType<typeof foreignSleep>>[] = [];
  let watch: ProcWatch | undefined;
  let sampled = 0;
  try {
    await withVsCode(
      'security-untrusted',
      {
        workspaceTemplate: RUNS_TEMPLATE,
        trustWorkspace: false,
        userSettings: { 'sdxl.nvidiaSmiPath': smi },
        prepareWorkspace: async (ws) => {
          await prepareStandinWorkspace(ws);
          server.tempDir = dirname(ws);
          writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'sdxl.nvidiaSmiPath': smi }, null, 2));
          plantQueued(ws, marker.queued);
          // A live "running" record whose processes really are the ones named (so Stop would apply, if offered).
          const wrapper = await foreignSleep();
          const trainer = await foreignSleep();
          sleeps.push(wrapper, trainer);
          plantRunning(ws, '20200101-000003-planted-live', 'planted live', trainer.pid, trainer.start, wrapper);
          // Every process of code-server's tree, or working in or naming this test's folder, that is one of the tools.
          watch = new ProcWatch((table) => {
            sampled++;
            const inTree = new Set(server.pid ? descendants(table, server.pid).map((p) => p.pid) : []);
            const ours = (p: SeenProcess) => inTree.has(p.pid) || [server.tempDir, own].some((d) => p.cmd.includes(d) || cwdOf(p.pid).startsWith(d));
            return table.filter((p) => isTool(p) && ours(p));
          });
        },
      },
      async (vs) => {
        server.pid = vs.serverPid;
        const ws = vs.workspace;
        clock.restart();
        await check('untrusted: the window is in Restricted Mode and the extension is active', async () => {
          await vs.statusBarItem('Restricted Mode').first().waitFor();
          await vs.waitForCommand('SDXL: Open Dashboard');
          await vs.closeQuickInput();
        });

        await vs.openFile('normal.sdxl.json');
        await vs.runCommand('SDXL: Focus on Runs View');
        const liveRow = treeRows(vs, 'Runs', 'planted live').first();
        await liveRow.waitFor();
        const queuedRow = treeRows(vs, 'Runs', 'planted queued').first();
        await queuedRow.waitFor();
        await check('untrusted: Stop is not offered (Runs view context menu, palette)', async () => {
          // The run has not ended (its processes verified through /proc, which needs no tool; with no console yet it
          // reads "queued"): trusted, Stop would be offered on its row (sdxlRun.live or sdxlRun.queued).
          assert.doesNotMatch((await liveRow.textContent()) ?? '', /failed|stopped|finished|succeeded/);
          const items = await vs.contextMenuItems(liveRow);
          assert.ok(items.length > 0 && !items.some((i) => /Stop/.test(i)), `context menu of a live run: ${items.join(', ')}`);
          const queuedItems = await vs.contextMenuItems(queuedRow);
          assert.ok(!queuedItems.some((i) => /Stop/.test(i)), `context menu of a queued run: ${queuedItems.join(', ')}`);
          assert.ok(await vs.paletteLacks('SDXL: Stop Run'), 'the palette offers SDXL: Stop Run');
          return `live run's menu: ${items.join(', ')}`;
        });
        await check('untrusted: Start and Resume are not offered (Configs view, palette)', async () => {
          const configRow = treeRows(vs, 'Configs', 'normal').first();
          await configRow.waitFor();
          const items = await vs.contextMenuItems(configRow);
          assert.ok(!items.some((i) => /Start/.test(i)), `context menu of a config: ${items.join(', ')}`);
          assert.ok(await vs.paletteLacks('SDXL: Start Training Run'), 'the palette offers SDXL: Start Training Run');
          assert.ok(await vs.paletteLacks('SDXL: Resume Run'), 'the palette offers SDXL: Resume Run');
        });
        await check('untrusted: the dashboard opens on a run', async () => {
          const frame = await openDashboardFromRow(vs, liveRow);
          await frame.locator('body').waitFor();
          await vs.runCommand('View: Close All Editors');
        });
        await vs.contextMenu(liveRow, 'Open in TensorBoard');
        // The commands still offered, on the open config; each done (its tab shown, where it opens one) before the next,
        // since a tab that opens late takes the config's place and with it the commands that want a config open.
        const tried: string[] = [];
        const tab = (title: RegExp) => vs.page.locator('.part.editor .tabs-container .tab').filter({ hasText: title }).first();
        for (const [title, opens] of [
          ['SDXL: Refresh Runs', undefined],
          ['SDXL: Validate Config', undefined],
          ['SDXL: Show Launch Command', /Launch/], // the panel is titled "Launch: <config>"
          ['SDXL: Show GPU Memory Estimate', /memory estimate/],
        ] as const) {
          await vs.openFile('normal.sdxl.json');
          await vs.runCommand(title);
          if (opens) await tab(opens).waitFor();
          await vs.closeQuickInput();
          tried.push(title);
        }
        clock.step('untrusted UI');

        await check('untrusted: the planted records are neither started nor asked about', async () => {
          const notes = await vs.allNotifications();
          assert.ok(!notes.some((n) => n.includes('queued elsewhere')), notes.join(' | '));
          assert.ok(!existsSync(marker.queued), 'the planted queued argv ran');
          assert.equal(runRecords(ws).find((r) => r.record.id === '20200101-000000-planted-queued')?.record.state, 'queued');
          assert.ok((await Promise.all(sleeps.map(stillAlive))).every(Boolean), "a planted record's process was signalled");
          return `commands tried: Open in TensorBoard, ${tried.join(', ')}`;
        });
        await check('untrusted: 0 processes started (no wrapper, accelerate, python, nvidia-smi, ps, PowerShell), sampled all along and by ps', async () => {
          const seen = watch!.stop();
          assert.deepEqual(
            seen.map((p) => p.cmd),
            [],
            'tools started',
          );
          assert.ok(!existsSync(marker.smi), 'the nvidia-smi setting ran');
          const { stdout } = await promisify(execFile)('ps', ['-eo', 'pid=,ppid=,args=']);
          const table = stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => {
              const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l)!;
              return { pid: Number(m[1]), ppid: Number(m[2]), cmd: m[3]! };
            });
          const tree = descendants(table, server.pid!);
          const tools = tree.filter(isTool);
          assert.deepEqual(
            tools.map((p) => p.cmd),
            [],
            "tools in code-server's process tree (ps)",
          );
          return `${sampled} samples of /proc; ps: ${tree.length} processes under code-server, none a tool`;
        });
        clock.step('no process');
      },
    );
  } finally {
    watch?.stop();
    for (const s of sleeps) s.kill();
    rmSync(own, { recursive: true, force: true });
  }
  clock.report('security (untrusted)');
});
