// Process facts are read without blocking the extension host: tools run asynchronously, with a timeout and an
// output cap, and a liveness check that needs ps lets timers run while ps works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readStartTime, runTool, systemProcesses, type ProcessQuery } from '../../src/core/supervisor/processTree';

const node = process.execPath;

/** Ticks of a 5 ms interval while `work` runs: a blocked event loop counts none. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const value = await work();
    return { value, ticks };
  } finally {
    clearInterval(timer);
  }
}

test('a tool runs without blocking the event loop, and its stdout comes back', async () => {
  const { value, ticks } = await ticksDuring(() => runTool(node, ['-e', 'setTimeout(() => process.stdout.write("done"), 300)']));
  assert.equal(value, 'done');
  assert.ok(ticks >= 10, `timers ran ${ticks} times while the tool ran`);
});

test('a tool past its timeout, past its output cap, failing or missing gives undefined', async () => {
  assert.equal(await runTool(node, ['-e', 'setTimeout(() => {}, 5000)'], { timeoutMs: 200 }), undefined);
  assert.equal(await runTool(node, ['-e', 'process.stdout.write("x".repeat(100000))'], { maxBytes: 1000 }), undefined);
  assert.equal(await runTool(node, ['-e', 'process.exit(3)']), undefined);
  assert.equal(await runTool('/nonexistent/tool', []), undefined);
  assert.equal(await runTool(node, ['-e', '1', 'nul\u0000byte']), undefined);
});

test('a start time read with ps (another Unix) awaits the tool: timers run meanwhile, and the answer is its output', async () => {
  const calls: string[] = [];
  const slowPs: ProcessQuery = {
    platform: 'darwin',
    run: async (cmd, args) => {
      calls.push([cmd, ...args].join(' '));
      // ps as slow as on a loaded machine; the real tool through the same async runner.
      await runTool(node, ['-e', 'setTimeout(() => {}, 200)']);
      return systemProcesses.run(cmd, args);
    },
    maySpawn: () => true,
  };
  const { value, ticks } = await ticksDuring(() => readStartTime(process.pid, slowPs));
  assert.deepEqual(calls, [`ps -o lstart= -p ${process.pid}`]);
  assert.ok('startTime' in value && value.startTime.length > 0, JSON.stringify(value));
  assert.ok(ticks >= 10, `timers ran ${ticks} times while ps ran`);
});
