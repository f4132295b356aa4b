// Alerts and export in code-server (issue 13, part E): the alert webhook URL typed into "Set Alert Webhook URL…"'s
// input box, "Send Test Alert" and a stand-in run's end both reach a local HTTP server this test runs (Discord/Slack
// JSON with both fields for an unknown host), the end-of-run notification (sdxl.alerts.notify = always), and the run's
// metrics exported as CSV and JSON and its validation images as a folder through the save/open dialogs, files read back.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { withVsCode, type VsCode } from './harness.js';
import { StepClock, until } from './processes.js';
import { prepareStandinWorkspace, RUNS_TEMPLATE, waitForRecord } from './standin.js';

interface Post {
  path: string;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

async function hookServer(): Promise<{ url: string; posts: Post[]; close: () => void }> {
  const posts: Post[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/e2e-SECRET-token-0123456789`,
    posts,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Waits until the quick input open is the one titled so (not the palette that is closing). */
async function waitForTitle(vs: VsCode, title: RegExp): Promise<void> {
  const el = vs.page.locator('.quick-input-widget .quick-input-title');
  await until(`a quick input titled ${String(title)}`, 30_000, async () => ((await el.isVisible()) && title.test((await el.textContent()) ?? '')) || undefined);
}

/** Answers the simple file dialog (code-server's save/open dialog is a quick input holding a path). */
async function answerFileDialog(vs: VsCode, title: RegExp, path: string, done: () => boolean): Promise<void> {
  await waitForTitle(vs, title);
  await vs.quickInput.fill(path);
  await vs.page.waitForTimeout(1000); // the dialog reads the folder typed before it takes Enter
  await vs.page.keyboard.press('Enter');
  // A folder typed with its trailing slash is entered first; a second Enter selects it.
  await until(
    `the dialog to take ${path}`,
    20_000,
    async () => {
      if (done()) return true;
      if (await vs.quickInput.isVisible()) await vs.page.keyboard.press('Enter');
      return undefined;
    },
    1000,
  );
}

test('alerts and export: webhook set through its input box, test alert and run end posted, CSV/JSON/images exported', async () => {
  const clock = new StepClock();
  const step = (name: string) => clock.step(name);
  const hook = await hookServer();
  try {
    await withVsCode(
      'alerts-export',
      { workspaceTemplate: RUNS_TEMPLATE, prepareWorkspace: prepareStandinWorkspace, userSettings: { 'sdxl.alerts.notify': 'always' } },
      async (vs) => {
        const ws = vs.workspace;
        clock.restart();

        // --- The URL through the command's input box (a password box), then the test alert from its notification.
        await vs.runCommand('SDXL: Set Alert Webhook URL…');
        await waitForTitle(vs, /Alert webhook URL/);
        // A password box: the harness's quickInput locator finds it too (`.quick-input-box input`).
        await vs.quickInput.fill(hook.url);
        await vs.page.keyboard.press('Enter');
        // Taken only once the box closes (a URL it rejects keeps it open with the reason); looking for the notification
        // earlier would run "Show Notifications" from the palette, which closes the box unanswered.
        await vs.quickInput.waitFor({ state: 'hidden', timeout: 10_000 }).catch(async () => {
          const said = await vs.page.locator('.quick-input-widget .quick-input-message').textContent();
          throw new Error(`the webhook URL box did not take the URL: ${said ?? '(no message)'}`);
        });
        await vs.clickNotificationButton('alert webhook set (127.0.0.1', 'Send Test Alert');
        const test = await until('the test alert to arrive', 30_000, async () => hook.posts[0]);
        assert.equal(test.path, '/hooks/e2e-SECRET-token-0123456789');
        assert.equal(test.contentType, 'application/json');
        assert.match(String(test.body.content), /^SDXL run "test alert" succeeded at step 500\/500/);
        assert.equal(test.body.text, test.body.content, "an unknown host gets both Discord's and Slack's field");
        await vs.waitForNotification('test alert sent (HTTP 204)');
        const settings = join(ws, '.vscode', 'settings.json');
        assert.ok(!existsSync(settings) || !readFileSync(settings, 'utf8').includes('SECRET'), 'the URL is not in the settings');
        step('webhook set + test alert');

        // --- A stand-in run ends: the webhook gets it and the alert names the run and its outcome.
        await vs.runCommand('SDXL: Start Training Run');
        await vs.pick('normal.sdxl.json');
        const run = await waitForRecord(ws, 'the normal run to succeed', (r) => r.name === 'normal run' && r.state === 'succeeded', 120_000);
        const end = await until('the run end to be posted', 30_000, async () => hook.posts.find((p) => String(p.body.content).includes('normal run"')));
        // The stand-in's runs are labelled as such everywhere, the alert too.
        assert.match(String(end.body.content), /^SDXL run "\[simulation\] normal run" succeeded at step 120\/120 after \d\d:\d\d\.$/);
        assert.equal((end.body.run as Record<string, unknown>).id, run.record.id);
        const alert = await vs.waitForNotification('normal run" succeeded at step 120/120');
        assert.match(alert, /Open Dashboard/);
        await vs.screenshot('run-end-alert');
        step('run end posted + notified');

        // --- Export Run Metrics… as CSV, then as JSON (the save dialog's file name decides).
        const out = join(ws, 'exports');
        mkdirSync(out, { recursive: true });
        const csvPath = join(out, 'normal.csv');
        await vs.runCommand('SDXL: Export Run Metrics…');
        await answerFileDialog(vs, /Export the metrics of normal run/, csvPath, () => existsSync(csvPath));
        await until('the CSV to be written', 20_000, async () => (existsSync(csvPath) && readFileSync(csvPath, 'utf8').length > 0) || undefined);
        const csv = readFileSync(csvPath, 'utf8').trim().split('\n');
        const header = csv[0]!.split(',');
        assert.deepEqual(header.slice(0, 2), ['step', 'wall_time']);
        for (const col of ['train_loss', 'step_loss', 'lr']) assert.ok(header.includes(col), csv[0]);
        assert.ok(csv.length - 1 >= 100 && csv.length - 1 <= 120, `one row per step (${csv.length - 1})`);
        assert.match(csv.at(-1)!, /^120,\d{4}-\d\d-\d\dT/);
        const jsonPath = join(out, 'normal.json');
        await vs.runCommand('SDXL: Export Run Metrics…');
        await answerFileDialog(vs, /Export the metrics of normal run/, jsonPath, () => existsSync(jsonPath));
        await until('the JSON to be written', 20_000, async () => (existsSync(jsonPath) && readFileSync(jsonPath, 'utf8').endsWith('\n')) || undefined);
        const doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as { run: Record<string, unknown>; rows: unknown[] };
        assert.equal(doc.run.id, run.record.id);
        assert.equal(doc.run.name, 'normal run');
        assert.equal(doc.run.outcome, 'succeeded');
        assert.equal(doc.run.step, 120);
        assert.equal((doc.run.checkpoints as unknown[]).length > 0, true);
        assert.equal(doc.rows.length, csv.length - 1);
        step('metrics CSV + JSON');

        // --- Export Validation Images…: a folder of readable names and the index.
        const imagesDir = join(out, 'images');
        mkdirSync(imagesDir);
        await vs.runCommand('SDXL: Export Validation Images…');
        await answerFileDialog(vs, /Folder for the validation images of normal run/, `${imagesDir}/`, () => existsSync(join(imagesDir, 'index.json')));
        await vs.waitForNotification(/validation image\(s\) of normal run exported/);
        const names = readdirSync(imagesDir);
        const pngs = names.filter((n) => n.endsWith('.png'));
        assert.ok(pngs.length >= 2, names.join(' '));
        for (const n of pngs) assert.match(n, /^(test_)?step-\d{6}_epoch-\d\d_prompt-0_img-\d+(-\d+)?\.png$/);
        const index = JSON.parse(readFileSync(join(imagesDir, 'index.json'), 'utf8')) as Array<{ file: string; step: number }>;
        assert.deepEqual(index.map((i) => i.file).sort(), [...pngs].sort());
        assert.ok(readFileSync(join(imagesDir, 'index.csv'), 'utf8').startsWith('file,tag,step,epoch,prompt,index,clip_score\n'));
        await vs.screenshot('exported');
        step('validation images');
      },
    );
  } finally {
    hook.close();
  }
  clock.report('alerts-export');
});
