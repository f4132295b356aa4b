// The dashboard's time fields in the real bundle in Chromium (fake acquireVsCodeApi, production CSP): start time,
// elapsed (ticking) or duration, recent and average speed in the chosen unit, ETA, pauses, what a run waits for before
// its first step, and the header naming the run the numbers belong to when several are shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardHtml } from '../../src/shared/dashboardHtml';
import { checkHostMessage, type HostMessage, type RunStatusView, type RunView } from '../../src/shared/dashboardProtocol';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

let dir: string;
let server: Server;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const FAKE_API = `
window.__posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => undefined,
  setState: () => {},
});`;
const THEME_CSS = `html { --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; }`;
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.map': 'application/json' };

function run(id: string, label: string, status: RunStatusView): RunView {
  return { id, label, loaded: true, status, series: {}, gallery: [], checkpoints: [], markers: [], gpu: [] };
}

async function send(msg: HostMessage): Promise<void> {
  assert.equal(checkHostMessage(msg), undefined, 'a message the host may send');
  await page.evaluate((m) => window.postMessage(m, '*'), msg);
}

const field = (name: string) => page.locator(`.status-panel dd[data-field="${name}"]`);
const text = async (name: string) => (await field(name).textContent())?.trim();

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'time-browser-'));
  await build({
    bundle: true,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: [join(ROOT, 'webview/src/main.ts')],
    outfile: join(dir, 'dashboard.js'),
    tsconfig: join(ROOT, 'webview/tsconfig.json'),
  });
  writeFileSync(join(dir, 'fake-vscode.js'), FAKE_API);
  writeFileSync(join(dir, 'theme.css'), THEME_CSS);
  server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === '/favicon.ico') return void res.writeHead(204).end();
    const path = join(dir, pathname);
    if (!path.startsWith(dir) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nonce = 'dGVzdG5vbmNlMTIzNDU2Nzg=';
  const html = dashboardHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dashboard.js`, styleUri: `${origin}/dashboard.css` })
    .replace('<body>', '<body class="vscode-dark">')
    .replace('</head>', `  <link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
    .replace(
      `<script nonce="${nonce}" src="${origin}/dashboard.js">`,
      `<script nonce="${nonce}" src="${origin}/fake-vscode.js"></script>\n  <script nonce="${nonce}" src="${origin}/dashboard.js">`,
    );
  writeFileSync(join(dir, 'index.html'), html);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${origin}/index.html`);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a running run: start time, elapsed that ticks, recent and average speed, ETA and pauses', { skip }, async () => {
  const startedAt = Date.now() - 125_000;
  const status: RunStatusView = {
    outcome: 'running',
    phase: 'training',
    step: 12,
    totalSteps: 100,
    secondsPerIt: 2,
    avgSecondsPerIt: 2.1,
    etaSeconds: 176,
    startedAt,
    validationPause: { count: 1, seconds: 60 },
    checkpointPause: { count: 2, seconds: 4 },
  };
  await send({ type: 'init', runs: [run('a', 'lora-dog', status)], speedUnit: 'auto' });
  await field('speed').filter({ hasText: '2.00 s/it' }).waitFor();
  assert.equal(await text('average'), '2.10 s/it');
  assert.equal(await text('eta'), '2m 56s');
  assert.equal(await text('pauses'), '1 validation, 1m 00s · 2 saves, 4s');
  assert.equal(
    await text('started'),
    await page.evaluate((ms) => new Date(ms).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }), startedAt),
  );
  assert.match((await text('elapsed'))!, /^2m 0\ds$/);
  // Elapsed goes on between the host's updates.
  const first = await text('elapsed');
  await page.waitForFunction((t) => document.querySelector('.status-panel dd[data-field="elapsed"]')?.textContent?.trim() !== t, first);
  assert.equal(await page.locator('[data-field="numbers-of"]').count(), 0, 'one run shown: no need to say whose numbers');
  // The unit setting changes, every speed follows.
  await send({ type: 'speedUnit', unit: 'it/s' });
  await field('speed').filter({ hasText: '0.50 it/s' }).waitFor();
  assert.equal(await text('average'), '0.48 it/s');
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.locator('.status-panel').screenshot({ path: join(ROOT, 'test-results', 'time-status.png') });
});

test('before the first step: what the run waits for, never a "?"', { skip }, async () => {
  await send({ type: 'init', runs: [run('b', 'sdxl-full', { outcome: 'running', phase: 'starting', startedAt: Date.now() - 5_000 })], speedUnit: 'auto' });
  await field('eta').filter({ hasText: 'starting…' }).waitFor();
  await send({ type: 'delta', runId: 'b', status: { outcome: 'running', phase: 'training', step: 0, totalSteps: 40, startedAt: Date.now() - 60_000 } });
  await field('eta').filter({ hasText: 'waiting for first step' }).waitFor();
  assert.equal(await text('speed'), 'waiting for first step');
  const all = await page.locator('.status-panel').textContent();
  assert.doesNotMatch(all!, /\?/);
});

test('an ended run shows its duration and no ETA; several runs shown: the header names whose numbers these are', { skip }, async () => {
  const ended = run('c', 'lora-cat', {
    outcome: 'succeeded',
    step: 40,
    totalSteps: 40,
    startedAt: 1_800_000_000_000,
    endedAt: 1_800_000_000_000 + 3_723_000,
    avgSecondsPerIt: 0.5,
  });
  const other = run('d', 'lora-cow', { outcome: 'running', phase: 'training', step: 3, totalSteps: 40 });
  await send({ type: 'init', runs: [ended, other], focusRunId: 'c', speedUnit: 's/it' });
  await field('duration').filter({ hasText: '1h 02m' }).waitFor();
  assert.equal(await text('eta'), '–');
  assert.equal(await text('average'), '0.50 s/it');
  assert.equal(await page.locator('[data-field="numbers-of"]').count(), 0);
  await send({ type: 'select', runIds: ['c', 'd'] });
  await page.locator('[data-field="numbers-of"]', { hasText: 'Numbers of: lora-cat' }).waitFor();
  assert.deepEqual(pageErrors, []);
});
