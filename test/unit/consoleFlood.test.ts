// A console flooded with carriage returns (a bar redrawn without pause, a `\r` storm) has almost nothing to parse, so
// it must cost less than ordinary log lines of the same size: line breaks right after line breaks cost neither a
// parser call nor a regex match each. Before: ~1 MB/s through the RunMonitor (a callback, a Buffer view, a decode and
// a match object per byte), ×2.9 the time of log lines (×0.87 in the parser alone); after: ×0.05 and ×0.12. Found by
// the fault suite's flood (test/fault/flood.fault.ts). Ratios in one process, no absolute times (the machine may be
// loaded).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRunState } from '../../src/core/monitor/runMonitor';
import { ConsoleParser } from '../../src/core/worker/consoleParser';
import { workspace, type Workspace } from './supervisorTestKit';

const MB = 8;

function record(ws: Workspace, name: string, consoleText: string): string {
  const dir = join(ws.recordsDir, name);
  mkdirSync(dir, { recursive: true });
  const plan = { argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--output_dir=out'], env: {}, cwd: ws.root, script: 'lora' };
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ id: name, name, script: 'lora', state: 'succeeded', exitCode: 0, createdAt: new Date().toISOString(), plan }),
  );
  writeFileSync(join(dir, 'exit.json'), JSON.stringify({ exitCode: 0, signal: null, endedAt: new Date().toISOString(), stopRequested: false }));
  writeFileSync(join(dir, 'console.log'), consoleText);
  return dir;
}

const bar = (n: number) => `\rSteps:  50%|█████     | ${n}/100 [00:01<00:01, 9.00it/s, lr=0.0001, step_loss=0.1]`;

/** Best of three (ms). */
async function best(fn: () => Promise<unknown> | unknown): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

test('a `\\r` storm costs less than log lines of the same size, in the monitor and in the parser', async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const size = MB << 20;
  const storm = ('\r'.repeat(4000) + 'spin ').repeat(Math.ceil(size / 4005)).slice(0, size) + bar(50) + '\n';
  const line = '11/29/2026 00:00:00 - INFO - __main__ - a log record of an ordinary length, about eighty bytes.\n';
  const plain = line.repeat(Math.ceil(size / line.length)).slice(0, size) + bar(50) + '\n';
  const stormDir = record(ws, 'storm', storm);
  const plainDir = record(ws, 'plain', plain);
  const s = await readRunState(stormDir, join(ws.root, 'cache'));
  assert.equal(s.step, 50, 'the bar after the storm is read');
  const monitorRatio = (await best(() => readRunState(stormDir, join(ws.root, 'cache')))) / (await best(() => readRunState(plainDir, join(ws.root, 'cache'))));
  const parse = (text: string) => () => {
    const p = new ConsoleParser();
    for (let i = 0; i < text.length; i += 1 << 20) p.push(text.slice(i, i + (1 << 20)));
    p.end();
  };
  const parserRatio = (await best(parse(storm))) / (await best(parse(plain)));
  process.stdout.write(`# ${MB} MB \\r storm / plain lines: monitor ×${monitorRatio.toFixed(2)}, parser ×${parserRatio.toFixed(2)}\n`);
  assert.ok(monitorRatio < 1, `monitor: the storm took ×${monitorRatio.toFixed(2)} the time of log lines`);
  assert.ok(parserRatio < 0.5, `parser: the storm took ×${parserRatio.toFixed(2)} the time of log lines`);
});
