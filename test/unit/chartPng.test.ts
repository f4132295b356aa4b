import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { chartPngFileName, decodeChartPng, PNG_DATA_URL_PREFIX } from '../../src/core/view/chartPng';
import { checkWebviewMessage } from '../../src/shared/dashboardProtocol';

async function pngDataUrl(): Promise<string> {
  const png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#123456' } })
    .png()
    .toBuffer();
  return PNG_DATA_URL_PREFIX + png.toString('base64');
}

test('a PNG data URL decodes to the PNG bytes', async () => {
  const r = decodeChartPng(await pngDataUrl());
  assert.ok(r.ok, JSON.stringify(r));
  const meta = await sharp(r.bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 8, 4]);
});

test('anything else is refused with a reason: another type, bad base64, not a PNG, too large', async () => {
  const reason = (url: string, max?: number) => {
    const r = decodeChartPng(url, max);
    assert.ok(!r.ok, url.slice(0, 40));
    return r.reason;
  };
  assert.match(reason('data:image/jpeg;base64,/9j/4AAQ'), /not a PNG data URL/);
  assert.match(reason(`${PNG_DATA_URL_PREFIX}@@@@`), /base64/);
  assert.match(reason(`${PNG_DATA_URL_PREFIX}${Buffer.from('GIF89a not a png at all, just text padding here').toString('base64')}`), /signature/);
  assert.match(reason(await pngDataUrl(), 16), /larger than 16 bytes/);
});

test('the protocol accepts saveChartPng with a PNG data URL and a plain chart id only', () => {
  const ok = { type: 'saveChartPng', chartId: 'loss', dataUrl: `${PNG_DATA_URL_PREFIX}iVBORw0KGgo=` };
  assert.equal(checkWebviewMessage(ok), undefined);
  assert.match(checkWebviewMessage({ ...ok, chartId: '../x' }) ?? '', /chartId: expected a chart id/);
  assert.match(checkWebviewMessage({ ...ok, dataUrl: 'data:text/html;base64,PGI+' }) ?? '', /dataUrl/);
  assert.match(checkWebviewMessage({ ...ok, dataUrl: PNG_DATA_URL_PREFIX + 'A'.repeat(13 * 1024 * 1024) }) ?? '', /at most/);
});

test('the suggested file name is safe', () => {
  assert.equal(chartPngFileName('loss', 'lora dog/2026'), 'lora-dog-2026-loss.png');
  assert.equal(chartPngFileName('gpu', undefined), 'gpu.png');
});
