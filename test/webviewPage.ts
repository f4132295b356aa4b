// A webview's real bundle in Chromium, for the browser tests: built as scripts/build.mjs builds it (into a temp
// folder, so a test neither needs the other bundles nor overwrites dist/), served over HTTP under the production CSP
// of dashboardHtml, with VS Code's theme variables and a fake acquireVsCodeApi that records what the page posts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { chromium, type Locator, type Page } from 'playwright-core';
import { webviewBundle } from '../scripts/webviewBundle.cjs';
import { dashboardHtml } from '../src/shared/dashboardHtml';
import { CHROMIUM_FLAGS } from './chromiumFlags';
import { repoRoot } from './unit/repoRoot';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** A test's `skip` option: the reason when there is no Chromium to drive. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`;
export const RESULTS_DIR = join(repoRoot(), 'test-results');

// window.__posted: what the page posted, as the host would receive it (structured-cloned through JSON).
// window.__csp: the CSP violations. The state lives in sessionStorage, so it survives a reload as VS Code keeps it.
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
  --vscode-badge-background: #616161; --vscode-badge-foreground: #fff; --vscode-errorForeground: #f85149;
  --vscode-editorWarning-foreground: #cca700; --vscode-inputValidation-errorBackground: #5a1d1d; --vscode-inputValidation-errorBorder: #be1100;
  --vscode-inputValidation-warningBackground: #352a05; --vscode-inputValidation-warningBorder: #b89500;
  --vscode-widget-border: #313131; --vscode-editorWidget-background: #202020; --vscode-progressBar-background: #0078d4; }`;

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.png': 'image/png', '.map': 'application/json' };
const NONCE = 'dGVzdG5vbmNlMTIzNDU2Nzg=';

export interface WebviewPageOptions {
  /** The webview's entry, relative to the checkout (webview/src/main.ts). */
  entry: string;
  /** The bundle's name: the page loads <bundle>.js and <bundle>.css. */
  bundle: string;
  /** Prefix of the temp folder the bundle is built into and served from. */
  tempPrefix: string;
  viewport: { width: number; height: number };
  /** dashboardHtml's rootLabel, when not the dashboard's. */
  rootLabel?: string;
}

export interface WebviewPage {
  page: Page;
  /** Where the served folder is: a file written into `dir` is at `${origin}/<name>`. */
  origin: string;
  dir: string;
  /** Uncaught exceptions and console errors of the page. */
  pageErrors: string[];
  /** Console warnings of the page. */
  warnings: string[];
  /** Posts a host message to the page, as the extension's webview.postMessage does. */
  send(msg: unknown): Promise<void>;
  /** What the page has posted to the host so far. */
  posted<T>(): Promise<T[]>;
  /** Resolves once the page has posted its first message (its ready). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Builds `entry`, serves it in a page like VS Code's webview and opens that page in Chromium. */
export async function openWebviewPage(options: WebviewPageOptions): Promise<WebviewPage> {
  const dir = mkdtempSync(join(tmpdir(), options.tempPrefix));
  const { bundle } = options;
  await webviewBundle(join(repoRoot(), options.entry), join(dir, `${bundle}.js`));
  if (!existsSync(join(dir, `${bundle}.css`))) throw new Error(`esbuild wrote no ${bundle}.css next to the script`);
  writeFileSync(join(dir, 'fake-vscode.js'), FAKE_API);
  writeFileSync(join(dir, 'theme.css'), THEME_CSS);
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === '/favicon.ico') return void res.writeHead(204).end();
    const path = join(dir, pathname);
    if (!path.startsWith(dir) || !existsSync(path)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const script = `${origin}/${bundle}.js`;
  const html = dashboardHtml({
    cspSource: origin,
    nonce: NONCE,
    scriptUri: script,
    styleUri: `${origin}/${bundle}.css`,
    ...(options.rootLabel === undefined ? {} : { rootLabel: options.rootLabel }),
  })
    // What VS Code adds around our page: its theme variables and body class, and (here) the fake API before our script.
    .replace('<body>', '<body class="vscode-dark">')
    .replace('</head>', `  <link rel="stylesheet" href="${origin}/theme.css">\n</head>`)
    .replace(
      `<script nonce="${NONCE}" src="${script}">`,
      `<script nonce="${NONCE}" src="${origin}/fake-vscode.js"></script>\n  <script nonce="${NONCE}" src="${script}">`,
    );
  writeFileSync(join(dir, 'index.html'), html);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
  const page = await browser.newPage({ viewport: options.viewport });
  const pageErrors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${origin}/index.html`);
  return {
    page,
    origin,
    dir,
    pageErrors,
    warnings,
    send: async (msg) => {
      await page.evaluate((m) => window.postMessage(m, '*'), msg);
    },
    posted: <T>() => page.evaluate(() => (window as unknown as { __posted: T[] }).__posted),
    ready: async () => {
      await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    },
    close: async () => {
      await browser.close();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot of `target` (the page, or one element) as test-results/<name>.png. */
export async function screenshot(target: Page | Locator, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await target.screenshot({ path: resultsFile(`${name}.png`), ...options });
}

/** test-results/<file>, the folder made if needed. */
export function resultsFile(file: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, file);
}
