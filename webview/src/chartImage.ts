// "Save as PNG": a chart's canvas redrawn onto one with the theme's background, the chart's title above and its legend
// below, so the saved image reads on its own (uPlot's canvas is transparent and holds neither).
import type uPlot from 'uplot';
import { resolveColor, type ChartTheme } from './theme';

export interface LegendEntry {
  label: string;
  color: string;
  dash?: number[];
}

/** The chart as a `data:image/png;base64,` URL. */
export function chartPngDataUrl(u: uPlot, title: string, legend: readonly LegendEntry[], theme: ChartTheme): string {
  const src = u.ctx.canvas;
  const dpr = src.width / Math.max(1, u.width);
  const pad = 10 * dpr;
  const line = 16 * dpr;
  const titleBand = 26 * dpr;
  const out = document.createElement('canvas');
  const ctx0 = out.getContext('2d');
  if (!ctx0) throw new Error('no 2D canvas to draw the chart image on');
  const ctx: CanvasRenderingContext2D = ctx0;
  const font = (px: number, weight = '') => `${weight} ${px * dpr}px ${theme.font.replace(/^\d+px\s*/, '')}`.trim();
  // Lay the legend out in rows that fit the width.
  ctx.font = font(11);
  const rows: { entry: LegendEntry; x: number; row: number }[] = [];
  let x = pad;
  let row = 0;
  for (const entry of legend) {
    const w = 22 * dpr + ctx.measureText(entry.label).width + 14 * dpr;
    if (x + w > src.width - pad && x > pad) {
      row++;
      x = pad;
    }
    rows.push({ entry, x, row });
    x += w;
  }
  const legendBand = legend.length ? (row + 1) * line + pad : 0;
  out.width = src.width;
  out.height = titleBand + src.height + legendBand;
  ctx.fillStyle = resolveColor('var(--vscode-editor-background, #1e1e1e)');
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = theme.fg;
  ctx.textBaseline = 'middle';
  ctx.font = font(13, '600');
  ctx.fillText(title, pad, titleBand / 2);
  ctx.drawImage(src, 0, titleBand);
  ctx.font = font(11);
  for (const { entry, x: ex, row: r } of rows) {
    const y = titleBand + src.height + pad / 2 + r * line + line / 2;
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 2 * dpr;
    ctx.setLineDash((entry.dash ?? []).map((d) => d * dpr));
    ctx.beginPath();
    ctx.moveTo(ex, y);
    ctx.lineTo(ex + 16 * dpr, y);
    ctx.stroke();
    ctx.fillStyle = theme.fg;
    ctx.fillText(entry.label, ex + 22 * dpr, y);
  }
  return out.toDataURL('image/png');
}
