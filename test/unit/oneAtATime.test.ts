// OneAtATime (core/util/oneAtATime.ts): a second check cancels the first; the same key joins the running one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OneAtATime } from '../../src/core/util/oneAtATime';

/** Work that ends when released or aborted, and says which. */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const work = (signal: AbortSignal) =>
    new Promise<string>((resolve) => {
      if (signal.aborted) return resolve('aborted');
      signal.addEventListener('abort', () => resolve('aborted'));
      void released.then(() => resolve('done'));
    });
  return { work, release };
}

test('starting a second piece of work aborts the first; only the second is current', async () => {
  const one = new OneAtATime<string>();
  const a = gate();
  const b = gate();
  let signalA: AbortSignal | undefined;
  const pa = one.start('x', (s) => ((signalA = s), a.work(s)));
  let signalB: AbortSignal | undefined;
  const pb = one.start('y', (s) => ((signalB = s), b.work(s)));
  assert.equal(await pa, 'aborted');
  assert.equal(signalA!.aborted, true);
  assert.equal(one.isCurrent(signalA!), false);
  assert.equal(one.isCurrent(signalB!), true);
  b.release();
  assert.equal(await pb, 'done');
  assert.equal(one.isCurrent(signalB!), false, 'ended work is not current');
});

test('the same key joins the running work; none runs once it has ended', async () => {
  const one = new OneAtATime<string>();
  const a = gate();
  const pa = one.start('x', a.work);
  assert.equal(one.running('x'), pa);
  assert.equal(one.running('y'), undefined);
  a.release();
  await pa;
  assert.equal(one.running('x'), undefined);
});

test('a failing work rejects its own promise and frees the slot', async () => {
  const one = new OneAtATime<string>();
  await assert.rejects(
    one.start('x', async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(one.running('x'), undefined);
});
