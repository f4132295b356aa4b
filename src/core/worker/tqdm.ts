// Parsing of tqdm's default bar text: `{desc}: {pct:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}, {rate}{, postfix}]`.
// Format: docs/worker-formats.md#progress-bar (bar chars may be absent, rate `it/s` | `s/it` | `?it/s`, times MM:SS or H:MM:SS or `?`).

export interface TqdmBar {
  /** Text before `: ` (e.g. `Steps`, `Map`); undefined for bars without desc (final test inference). */
  desc?: string;
  /** Absent when tqdm dropped the total (it does once n passes total: `Steps: 1001it [...]`). */
  percent?: number;
  n: number;
  total?: number;
  elapsedSec?: number;
  remainingSec?: number;
  /** Iterations per second, whatever the unit (`s/it` is inverted). */
  ratePerSec?: number;
  postfix: Map<string, string>;
  /** Index just past the closing `]` in the text parsed. */
  end: number;
}

// desc (lazy, up to the colon before the percentage), percentage, optional `|bar|` (no bar when ncols is tiny), n/total, [...]
const BAR_RE = /^(?:(.*?):)?\s*(\d+)%(?:\|[^|\]]*\||\s)\s*(\d+)\/(\d+)\s*\[([^\]]*)\]/;
// Without total: `{desc}: {n}{unit} [{elapsed}, {rate}{, postfix}]` (desc required, or too much text would match).
const NO_TOTAL_RE = /^([^:[\]]{1,200}):\s*(\d+)[A-Za-z ]{1,20}\[([^\]<]*)\]/;

/**
 * A count from digits, if it is one a step can be: `Number('9'.repeat(400))` is Infinity, which no view could show
 * (the dashboard protocol rejects it, and with it the run's whole view).
 */
export function countOf(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Parses a bar at the start of `text` (leading spaces allowed). */
export function parseTqdmBar(text: string): TqdmBar | undefined {
  const m = BAR_RE.exec(text);
  if (!m) return parseNoTotal(text);
  const desc = m[1]?.trim();
  // Not `...(desc ? { desc } : {})`: V8 takes a slow path for that spread, and this runs for every bar redraw
  // (it cost ~12 µs a call, most of the parser's time on a long log).
  const n = countOf(m[3]!);
  if (n === undefined) return undefined;
  const bar: TqdmBar = { percent: Number(m[2]), n, total: countOf(m[4]!), postfix: new Map(), end: m.index + m[0].length };
  if (bar.total === undefined) delete bar.total;
  if (desc) bar.desc = desc;
  const inner = m[5]!;
  const lt = inner.indexOf('<');
  if (lt < 0) return bar;
  const elapsed = parseTqdmTime(inner.slice(0, lt).trim());
  if (elapsed !== undefined) bar.elapsedSec = elapsed;
  const parts = inner
    .slice(lt + 1)
    .split(',')
    .map((s) => s.trim());
  const remaining = parseTqdmTime(parts[0] ?? '');
  if (remaining !== undefined) bar.remainingSec = remaining;
  const rate = parseTqdmRate(parts[1] ?? '');
  if (rate !== undefined) bar.ratePerSec = rate;
  addPostfix(bar, parts.slice(2));
  return bar;
}

function parseNoTotal(text: string): TqdmBar | undefined {
  const m = NO_TOTAL_RE.exec(text);
  if (!m) return undefined;
  const parts = m[3]!.split(',').map((s) => s.trim());
  if (parseTqdmTime(parts[0] ?? '') === undefined) return undefined;
  const n = countOf(m[2]!);
  if (n === undefined) return undefined;
  const bar: TqdmBar = { desc: m[1]!.trim(), n, postfix: new Map(), end: m.index + m[0].length };
  bar.elapsedSec = parseTqdmTime(parts[0]!);
  const rate = parseTqdmRate(parts[1] ?? '');
  if (rate !== undefined) bar.ratePerSec = rate;
  addPostfix(bar, parts.slice(2));
  return bar;
}

function addPostfix(bar: TqdmBar, parts: string[]): void {
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq > 0) bar.postfix.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
  }
}

/** `MM:SS`, `H:MM:SS` (hours uncapped), `?` → undefined. */
export function parseTqdmTime(s: string): number | undefined {
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{2})$/.exec(s);
  if (!m) return undefined;
  const sec = Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return Number.isFinite(sec) ? sec : undefined;
}

/** `12.34it/s` → 12.34, `3.21s/it` → 1/3.21, `68.2 examples/s` → 68.2, `?it/s` → undefined. */
export function parseTqdmRate(s: string): number | undefined {
  const m = /^([\d.]+(?:e[+-]?\d+)?)\s*([A-Za-z ]*?)\/([A-Za-z]+)$/.exec(s.trim());
  if (!m) return undefined;
  const v = Number(m[1]);
  if (!Number.isFinite(v) || v <= 0) return undefined;
  const rate = m[2] === 's' ? 1 / v : v;
  return Number.isFinite(rate) ? rate : undefined; // 1 / 1e-320 is Infinity
}

/** tqdm `format_num` output back to a number: `1e-6`, `0.0921`, `nan`, `inf`, `-inf`. Undefined when not a number. */
export function parseTqdmNumber(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}
