// A chart image the dashboard webview sends to be saved ("Save chart as PNG"): the webview is untrusted input, so the
// data URL is checked before anything is written — the PNG prefix, a size cap, valid base64 and the PNG signature.

export const PNG_DATA_URL_PREFIX = 'data:image/png;base64,';
/** Decoded bytes at most: a chart of a 4K-wide panel at 2× is well under this. */
export const MAX_CHART_PNG_BYTES = 8 * 1024 * 1024;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type ChartPng = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** The PNG bytes of `dataUrl`, or why it is not a PNG data URL this extension writes to disk. */
export function decodeChartPng(dataUrl: string, maxBytes = MAX_CHART_PNG_BYTES): ChartPng {
  if (!dataUrl.startsWith(PNG_DATA_URL_PREFIX)) return { ok: false, reason: `not a PNG data URL (expected it to start with ${PNG_DATA_URL_PREFIX})` };
  const b64 = dataUrl.slice(PNG_DATA_URL_PREFIX.length);
  if (b64.length > Math.ceil(maxBytes / 3) * 4) return { ok: false, reason: `larger than ${maxBytes} bytes` };
  if (b64.length === 0 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return { ok: false, reason: 'the data is not valid base64' };
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > maxBytes) return { ok: false, reason: `larger than ${maxBytes} bytes` };
  if (bytes.length < PNG_SIGNATURE.length + 25 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b))
    return { ok: false, reason: 'the data does not start with the PNG signature' };
  return { ok: true, bytes };
}

/** A file name for the saved chart: the chart and run names with anything unsafe in a file name replaced. */
export function chartPngFileName(chartId: string, runLabel: string | undefined): string {
  const safe = (s: string) =>
    s
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80);
  const parts = [runLabel ? safe(runLabel) : '', safe(chartId) || 'chart'].filter(Boolean);
  return `${parts.join('-')}.png`;
}
