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
