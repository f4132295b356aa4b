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

/**
 * Six more run colours after VS Code's six, so a dozen runs never share one: mid-tone hues unlike those six (teal,
 * magenta, brown, indigo, olive, slate), each with a contrast ratio of at least 3:1 against both a white and a
 * #1e1e1e background, so they read in light, dark and high-contrast themes alike.
 */
export const EXTRA_RUN_COLOURS: readonly string[] = ['#0f9e9e', '#d63ad6', '#b8742f', '#7a6cf0', '#8a9a16', '#7d8ea3'];

/** Beyond the palette, runs repeat its colours with these dashes (the first round is solid). */
const RUN_DASHES: readonly (number[] | undefined)[] = [undefined, [2, 3], [10, 3, 2, 3]];

/** A run's line style from its fixed colour index (runColours.ts): colour, and a dash once the palette went round. */
export function runStroke(index: number, palette: readonly string[]): { color: string; dash?: number[] } {
  const n = Math.max(1, palette.length);
  const i = Math.max(0, Math.floor(index));
  const dash = RUN_DASHES[Math.floor(i / n) % RUN_DASHES.length];
  return { color: palette[i % n] ?? '#888888', ...(dash ? { dash } : {}) };
}

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
    palette: [...PALETTE_VARS.map(([v, fallback]) => resolveColor(`var(${v}, ${fallback})`)), ...EXTRA_RUN_COLOURS.map((c) => resolveColor(c))],
    highContrast,
  };
}

/** Calls `onChange` when VS Code switches theme (it swaps the body's classes and the root's variables). */
export function watchTheme(onChange: () => void): void {
  const obs = new MutationObserver(() => onChange());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}
