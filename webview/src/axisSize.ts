// A y axis as wide as its widest tick label needs: a fixed size cut long labels (2.00e-4 on the learning rate) into
// the axis title or wasted room on short ones. uPlot calls `size` with the formatted tick labels; the title has its
// own band (labelSize) outside this size.
import type uPlot from 'uplot';

let ctx: CanvasRenderingContext2D | null | undefined;

/** Width in CSS pixels of `text` drawn in `font`; a rough per-character width where no canvas is available. */
function textWidth(text: string, font: string): number {
  if (ctx === undefined) ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return text.length * 7;
  ctx.font = font;
  return ctx.measureText(text).width;
}

/** `size` for a vertical axis: tick marks (10 px) + gap (5 px, uPlot's defaults) + the widest label + 4 px spare. */
export function fitAxisSize(font: string, min = 32): NonNullable<uPlot.Axis['size']> {
  return (_u, values) => {
    const widest = (values ?? []).reduce((w, v) => Math.max(w, textWidth(String(v ?? ''), font)), 0);
    return Math.max(min, Math.ceil(widest + 19));
  };
}

/** Decimals that show `incr` exactly (0.25 → 2, 0.02 → 2, 5 → 0), at most 12. */
function decimalsOf(incr: number): number {
  let d = 0;
  while (d < 12 && Math.abs(Number(incr.toFixed(d)) - incr) > Math.abs(incr) * 1e-9) d++;
  return d;
}

/**
 * A y tick label that tells neighbouring ticks apart at any magnitude: fixed decimals from the tick spacing for
 * ordinary values (0.015, 0.020, 0.025 s/it), exponent notation below 1e-3 and from 1e5 up (2.0e-5, 1.5e+6).
 */
export function formatTick(v: number, incr: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) {
    const step = Number.isFinite(incr) && incr > 0 ? incr : a;
    const digits = Math.max(1, Math.min(6, Math.floor(Math.log10(a)) - Math.floor(Math.log10(step) + 1e-9) + 1));
    return v.toExponential(digits - 1);
  }
  return v.toFixed(Number.isFinite(incr) && incr > 0 ? decimalsOf(incr) : 3);
}

/**
 * y axis tick options for values from 1e-6 to 1e6 (a learning rate, seconds per step of a fast run): labels by
 * formatTick, and room for at least three ticks. uPlot's default 30 px between ticks left a short chart (the 140 px
 * "Seconds per step", about 40 px of plot) a single "0" tick. `onTicks` hears the labels drawn.
 */
export function yTickValues(log: boolean, onTicks: (labels: string[]) => void): Partial<uPlot.Axis> {
  return {
    space: (_u, _axis, _min, _max, plotDim) => Math.max(13, Math.min(30, plotDim / 3.2)),
    values: (_u, vals, _axis, _space, incr) => {
      const labels = vals.map((v) => (v == null ? '' : log ? formatTick(v, v) : formatTick(v, incr)));
      onTicks(labels);
      return labels;
    },
  };
}
