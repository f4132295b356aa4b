// The dashboard webview's HTML page: a strict CSP (nothing runs or loads without the nonce or the webview's own
// origin), the bundled stylesheet and script, and an empty root the script fills. Used by the host and by the
// browser test, so both load exactly the same page.

export interface DashboardHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** A fresh random nonce per page load (base64 or hex). */
  nonce: string;
  /** asWebviewUri(dist/webview/dashboard.js). */
  scriptUri: string;
  /** asWebviewUri(dist/webview/dashboard.css). */
  styleUri: string;
  /**
   * Optional extra module script (e.g. a separately shipped @vscode-elements bundle). Not needed with the default
   * build: dashboard.js already contains the components it uses.
   */
  elementsUri?: string;
  title?: string;
  /** The page root's accessible name and its text until the script has drawn (another webview's page). */
  rootLabel?: string;
  loadingText?: string;
}

// Every attribute below is double-quoted, so single quotes (which the CSP needs verbatim) stay as they are.
function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function dashboardCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function dashboardHtml(o: DashboardHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(o.nonce)) throw new Error('dashboardHtml: nonce must be base64 or hex characters');
  const nonce = escapeAttr(o.nonce);
  const elements = o.elementsUri ? `\n  <script type="module" nonce="${nonce}" src="${escapeAttr(o.elementsUri)}"></script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${escapeAttr(dashboardCsp(o.cspSource, o.nonce))}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <title>${escapeAttr(o.title ?? 'SDXL Training Dashboard')}</title>
  <link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(o.styleUri)}">${elements}
</head>
<body>
  <main id="app" aria-label="${escapeAttr(o.rootLabel ?? 'Training dashboard')}"><p class="loading">${escapeAttr(o.loadingText ?? 'Loading dashboard…')}</p></main>
  <script nonce="${nonce}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
