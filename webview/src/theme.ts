// Chart colours and fonts from VS Code's theme variables, resolved to rgb() so they can be given an alpha. The
// charts draw on canvas, which cannot use CSS variables, so they are re-created when the theme changes.

export interface ChartTheme {
  fg: string;
  muted: string;
  grid: string;
  font: string;
  /** Series palette (VS Code's chart colours, defined by light, dark and high-contrast themes alike). */
  palette: string[];
  highContrast: boolean;
}

const PALETTE_VARS: [string, string][] = [
  ['--vscode-charts-blue', '#3794ff'],
  ['--vscode-charts-orange', '#d18616'],
  ['--vscode-charts-green', '#89d185'],
  ['--vscode-charts-purple', '#b180d7'],
  ['--vscode-charts-red', '#f14c4c'],
  ['--vscode-charts-yellow', '#cca700'],
];

let probe: HTMLElement | undefined;

/** The computed rgb() of a CSS colour expression such as `var(--vscode-foreground, #ccc)`. */
export function resolveColor(expr: string): string {
  if (!probe) {
    probe = document.createElement('span');
    probe.setAttribute('aria-hidden', 'true');
    probe.className = 'color-probe';
    document.body.appendChild(probe);
  }
  probe.style.color = '';
  probe.style.color = expr;
  return getComputedStyle(probe).color;
}

/** `rgb(r, g, b)` or `rgba(...)` with a new alpha. */
export function withAlpha(rgb: string, alpha: number): string {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(rgb);
  return m ? `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${alpha})` : rgb;
}

export function readTheme(): ChartTheme {
  const body = document.body.classList;
  const highContrast = body.contains('vscode-high-contrast') || body.contains('vscode-high-contrast-light');
  const fg = resolveColor('var(--vscode-foreground, #cccccc)');
  const fontFamily = getComputedStyle(document.body).getPropertyValue('--vscode-font-family').trim() || 'sans-serif';
  return {
    fg,
    muted: resolveColor('var(--vscode-descriptionForeground, #999999)'),
    grid: highContrast ? withAlpha(fg, 0.35) : withAlpha(fg, 0.12),
    font: `11px ${fontFamily}`,
    palette: PALETTE_VARS.map(([v, fallback]) => resolveColor(`var(${v}, ${fallback})`)),
    highContrast,
  };
}

/** Calls `onChange` when VS Code switches theme (it swaps the body's classes and the root's variables). */
export function watchTheme(onChange: () => void): void {
  const obs = new MutationObserver(() => onChange());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
