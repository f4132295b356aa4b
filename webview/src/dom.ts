// Tiny DOM helpers: elements are built with properties and textContent only (no innerHTML), so no value the host
// sends can become markup. The vscode-elements' own declarations type the custom elements (no casts).
import type {} from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type {} from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';

type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs,
  ...children: (Node | string | undefined | null | false)[]
): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Node | string | undefined | null | false)[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string | undefined | null | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) el.append(c);
  return el;
}

/** A `<vscode-checkbox>`, typed (its `checked`), as the elements package declares it. */
export function checkbox(attrs: Attrs): HTMLElementTagNameMap['vscode-checkbox'] {
  return h('vscode-checkbox', attrs);
}

/** A `<vscode-single-select>`, typed (its `value`). */
export function singleSelect(attrs: Attrs): HTMLElementTagNameMap['vscode-single-select'] {
  return h('vscode-single-select', attrs);
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return hh > 0 ? `${hh}h ${String(mm).padStart(2, '0')}m` : mm > 0 ? `${mm}m ${String(ss).padStart(2, '0')}s` : `${ss}s`;
}

export function formatNumber(v: number | undefined, digits = 4): string {
  if (v === undefined || v === null) return '–';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}
