// A listener's error reaches the log with what failed, whether it throws or its promise rejects; the emitter goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logFailure, loggingErrors } from '../../src/extension/listenerErrors';

test('a throwing listener is logged with what failed, and does not throw into its emitter', () => {
  const logged: string[] = [];
  const seen: number[] = [];
  const listener = loggingErrors(
    'Run abc: updating the views',
    (m) => logged.push(m),
    (n: number) => {
      seen.push(n);
      if (n === 2) throw new Error('view broke');
    },
  );
  for (const n of [1, 2, 3]) listener(n);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /^Run abc: updating the views failed: Error: view broke/);
});

test('a rejected async listener and a failed background task are logged, not left unhandled', async () => {
  const logged: string[] = [];
  const log = (m: string) => logged.push(m);
  loggingErrors('Settings change', log, async () => {
    throw new Error('cannot re-read');
  })();
  logFailure('Refreshing the runs', log, Promise.reject(new Error('records folder gone')));
  logFailure('Nothing wrong', log, Promise.resolve(1));
  await new Promise((r) => setImmediate(r));
  assert.equal(logged.length, 2, logged.join('\n'));
  assert.match(logged[0]!, /^Settings change failed: Error: cannot re-read/);
  assert.match(logged[1]!, /^Refreshing the runs failed: Error: records folder gone/);
});
