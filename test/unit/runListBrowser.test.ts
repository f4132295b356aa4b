// The dashboard's run list in the real bundle (Chromium, fake acquireVsCodeApi, as webviewBrowser.test.ts): twelve runs
// get twelve distinct colours that stay with their runs, the list folds away (and stays folded after a reload) without
// pushing the charts down, and the focused run's name, tags and note are shown.
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
import type { HostMessage, RunView } from '../../src/shared/dashboardProtocol';

const ROOT = join(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;

let dir: string;
let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const FAKE_API = `
window.__posted = [];
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
  getState: () => { const s = sessionStorage.getItem('vscode-state'); return s ? JSON.parse(s) : undefined; },
  setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
});`;

// Stand-ins for the variables VS Code injects (Dark Modern values).
const THEME_CSS = `html { --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-focusBorder: #0078d4;
  --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7;
  --vscode-charts-red: #f14c4c; --vscode-charts-yellow: #cca700; --vscode-button-background: #0078d4; --vscode-button-foreground: #fff;
  --vscode-inputValidation-errorBackground: #5a1d1d; --vscode-inputValidation-errorBorder: #be1100;
  --vscode-inputValidation-warningBackground: #352a05; --vscode-inputValidation-warningBorder: #b89500;
  --vscode-widget-border: #313131; --vscode-editorWidget-background: #202020; --vscode-progressBar-background: #0078d4; }`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.png': 'image/png', '.map': 'application/json' };

function run(id: string, label: string, extra: Partial<RunView> = {}): RunView {
  return {
    id,
    label,
    loaded: true,
    status: { outcome: 'running', phase: 'training' },
    series: {},
    gallery: [],
    checkpoints: [],
    markers: [],
    gpu: [],
    ...extra,
  };
}

async function send(msg: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), msg);
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  // The same esbuild options as the webview step of scripts/build.mjs, built alone into the temp dir so the test
  // neither depends on the extension and CLI bundles building nor overwrites dist/.
  await build({
    bundle: true,
    sourcemap: true,
    logLevel: 'warning',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: [join(ROOT, 'webview/src/main.ts')],
    outfile: join(dir, 'dashboard.js'),
    tsconfig: join(ROOT, 'webview/tsconfig.json'),
  });
  assert.ok(existsSync(join(dir, 'dashboard.css')), 'esbuild writes the imported CSS next to the script');
  writeFileSync(join(dir, 'fake-vscode.js'), FAKE_API);
  writeFileSync(join(dir, 'theme.css'), THEME_CSS);
  server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const path = join(dir, pathname);
    if (!path.startsWith(dir) || !existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nonce = 'dGVzdG5vbmNlMTIzNDU2Nzg=';
  let html = dashboardHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dashboard.js`, styleUri: `${origin}/dashboard.css` });
  // What VS Code adds around our page: its theme variables and body class, and (here) the fake API before our script.
  html = html
    .replace('<body>', '<body class="vscode-dark">')
    .replace('</head>', `  <link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
    .replace(
      `<script nonce="${nonce}" src="${origin}/dashboard.js">`,
      `<script nonce="${nonce}" src="${origin}/fake-vscode.js"></script>\n  <script nonce="${nonce}" src="${origin}/dashboard.js">`,
    );
  writeFileSync(join(dir, 'index.html'), html);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${origin}/index.html`);
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const RUN_IDS = Array.from({ length: 12 }, (_, i) => `run-${String(i + 1).padStart(2, '0')}`);
const twelve = (order: readonly string[]): HostMessage => ({
  type: 'init',
  runs: order.map((id, i) =>
    run(id, `lora ${id}`, {
      status: { outcome: 'succeeded', step: 10 },
      series: { train_loss: Array.from({ length: 20 }, (_, s) => [s, 0.2 - s * 0.005 + i * 0.01] as [number, number]) },
      ...(id === 'run-03' ? { tags: ['best', 'rank-32'], note: 'Sharper hands.\nKeep this one.' } : {}),
    }),
  ),
  focusRunId: 'run-03',
});
const swatches = () =>
  page.evaluate(() =>
    Object.fromEntries(
      Array.from(document.querySelectorAll<HTMLElement>('[data-run-swatch]')).map((el) => [el.dataset.runSwatch!, getComputedStyle(el).backgroundColor]),
    ),
  );

test('twelve runs get twelve distinct colours, and each run keeps its colour when the list changes order', { skip }, async () => {
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  await send(twelve(RUN_IDS));
  await send({ type: 'select', runIds: RUN_IDS });
  await page.waitForFunction((n) => document.querySelectorAll('[data-run-swatch]').length === n, RUN_IDS.length);
  const first = await swatches();
  assert.equal(Object.keys(first).length, 12);
  assert.equal(new Set(Object.values(first)).size, 12, `colours repeat: ${JSON.stringify(first)}`);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results', 'run-list-12-colours.png'), fullPage: true });

  // The host's list in another order, one run gone and a new one: the others keep their colours, the new one takes
  // the free colour (not the colour of whatever run now sits at its position).
  const reordered = [...RUN_IDS.slice(1).reverse(), 'run-13'];
  await send(twelve(reordered));
  await send({ type: 'select', runIds: reordered });
  await page.waitForFunction(() => document.querySelector('[data-run-swatch="run-13"]') !== null);
  const second = await swatches();
  for (const id of RUN_IDS.slice(1)) assert.equal(second[id], first[id], `${id} changed colour`);
  assert.equal(second['run-13'], first['run-01'], 'the new run takes the colour run-01 gave back');
  assert.equal(new Set(Object.values(second)).size, 12);
});

test('the focused run shows its name, tags and note; a labels delta updates them', { skip }, async () => {
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name') !== null);
  const read = () =>
    page.evaluate(() => ({
      name: document.querySelector('.run-labels .run-name')?.textContent,
      tags: Array.from(document.querySelectorAll('.run-labels .run-tag')).map((e) => e.textContent),
      note: document.querySelector('.run-labels .run-note')?.textContent ?? null,
    }));
  await send({ type: 'select', runIds: ['run-03'] });
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name')?.textContent === 'lora run-03');
  assert.deepEqual(await read(), { name: 'lora run-03', tags: ['#best', '#rank-32'], note: 'Sharper hands.\nKeep this one.' });
  // Text, never markup: a note with tags in it is shown as typed.
  await send({ type: 'delta', runId: 'run-03', label: 'renamed <b>run</b>', labels: { tags: ['final'] } });
  await page.waitForFunction(() => document.querySelector('.run-labels .run-name')?.textContent === 'renamed <b>run</b>');
  assert.deepEqual(await read(), { name: 'renamed <b>run</b>', tags: ['#final'], note: null });
  assert.equal(await page.locator('.run-labels b').count(), 0);
});

test('the run list folds to its header, the charts move up, and it stays folded after a reload', { skip }, async () => {
  await send({ type: 'select', runIds: RUN_IDS.slice(1) });
  await page.waitForFunction(() => document.querySelector('.run-list') !== null);
  const chartTop = () => page.evaluate(() => document.querySelector('vscode-tabs')!.getBoundingClientRect().top);
  const expandedTop = await chartTop();
  const toggle = page.locator('button.runs-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.match((await toggle.textContent()) ?? '', /Runs \(11 of 12 shown\)/);
  await toggle.click();
  await page.waitForFunction(() => document.querySelector('.run-list') === null);
  assert.equal(await page.locator('button.runs-toggle').getAttribute('aria-expanded'), 'false');
  const collapsedTop = await chartTop();
  assert.ok(collapsedTop < expandedTop - 100, `charts at ${collapsedTop}px folded, ${expandedTop}px unfolded`);
  // Folded, the list is no taller than the status beside it: it does not push the charts down.
  const heights = await page.evaluate(() => ({
    runs: document.querySelector('.runs-panel')!.getBoundingClientRect().height,
    status: document.querySelector('.status-panel')!.getBoundingClientRect().height,
  }));
  assert.ok(heights.runs <= heights.status, JSON.stringify(heights));
  await page.screenshot({ path: join(ROOT, 'test-results', 'run-list-collapsed.png'), fullPage: true });

  await page.reload();
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  await send(twelve(RUN_IDS));
  await page.waitForFunction(() => document.querySelector('button.runs-toggle') !== null);
  assert.equal(await page.locator('button.runs-toggle').getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('.run-list').count(), 0);
  await page.locator('button.runs-toggle').press('Enter');
  await page.waitForFunction(() => document.querySelector('.run-list') !== null);
  assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.className), 'runs-toggle', 'the toggle keeps the focus');
  assert.deepEqual(pageErrors, []);
});
