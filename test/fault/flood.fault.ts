// Fault 5 of issue 8's fault suite: a run that floods its console at ~100 MB/s for 2 s (giant lines, `\r` storms,
// random bytes, progress bars between them; test/fixtures/console-flood.py), followed live by a RunMonitor in this
// process, as the extension host follows it. The monitor's memory stays bounded, the event loop stays responsive,
// the bars and the end are still read, and console.log is kept whole.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { recordFiles } from '../../src/core/supervisor/runRecord';
import { ReliabilityLog } from '../reliabilityReport';
import { describe, disagreements, ended, follow, repoRoot, supervisor, unixOnly, views, waitFor, workspace } from './faultKit';
import { isWrapperAlive } from '../../src/core/supervisor/liveness';

const log = new ReliabilityLog('flood', 'fault');
after(() => log.write());

// Generous bounds: the point is "bounded", not a benchmark on a loaded 2-core machine.
const MAX_HEAP_GROWTH_MB = 256;
const MAX_LOOP_DELAY_MS = 2_000;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

test('fault 5: a console flood at ~100 MB/s: memory bounded, event loop responsive, bars and the end read, console kept', unixOnly(180_000), async (t) => {
  const ws = workspace();
  t.after(() => ws.cleanup());
  const sup = await supervisor(ws);
  const before = heapMb();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed / 2 ** 20)), 100);
  t.after(() => clearInterval(sampler));
  const t0 = Date.now();
  const { dir, record } = await sup.start({
    argv: ['python3', join(repoRoot, 'test', 'fixtures', 'console-flood.py'), '--output_dir', join(ws.root, 'out')],
    env: { FLOOD_SECONDS: '2', FLOOD_MB_PER_SEC: '100' },
    cwd: ws.root,
    script: 'lora',
  });
  const monitor = follow(t, ws, dir);
  const state = await ended(monitor, 150_000);
  const seconds = (Date.now() - t0) / 1000;
  delay.disable();
  clearInterval(sampler);
  await waitFor(async () => !(await isWrapperAlive(record)), 'the wrapper to end');
  const after = heapMb();
  const maxDelayMs = delay.max / 1e6;
  const size = statSync(recordFiles(dir).console).size;
  const v = await views(ws, sup, record.id, monitor);
  const bad = disagreements(v, { state: 'succeeded', step: 1000, checkpoints: [], resume: null });
  if (state.totalSteps !== 1000) bad.push(`total steps ${state.totalSteps}`);
  // The flood says how much it wrote, last: all of it is in console.log.
  const said = /flood: (\d+) bytes/.exec(readFileSync(recordFiles(dir).console, 'latin1').slice(-200));
  if (!said || size < Number(said[1])) bad.push(`console.log is ${size} bytes; the flood says ${said?.[1] ?? 'nothing'}`);
  if (after - before > MAX_HEAP_GROWTH_MB) bad.push(`heap grew ${(after - before).toFixed(0)} MB`);
  if (maxDelayMs > MAX_LOOP_DELAY_MS) bad.push(`event loop blocked ${maxDelayMs.toFixed(0)} ms`);
  const figures =
    `console ${(size / 1e6).toFixed(0)} MB followed to its end in ${seconds.toFixed(1)} s; heap ${before.toFixed(0)} → ${after.toFixed(0)} MB ` +
    `(peak ${peak.toFixed(0)} MB); longest event-loop delay ${maxDelayMs.toFixed(0)} ms (p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms)`;
  process.stdout.write(`# flood: ${figures}\n`);
  log.verdict('a console flood at ~100 MB/s', `${figures}; ${describe(v)}`, bad);
});
