// Run colours in the dashboard: fixed per run (webview/src/runColours.ts), twelve before any repeats, then dashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignRunColours } from '../../webview/src/runColours';
import { EXTRA_RUN_COLOURS, runStroke } from '../../webview/src/theme';

test('each run keeps its colour index; a new run takes the smallest free one', () => {
  const first = assignRunColours(['a', 'b', 'c'], {});
  assert.deepEqual(first, { a: 0, b: 1, c: 2 });
  // b goes, d comes, and the list is in another order: a and c keep theirs, d takes b's.
  assert.deepEqual(assignRunColours(['d', 'c', 'a'], first), { c: 2, a: 0, d: 1 });
  // A broken or doubled kept value is not trusted.
  assert.deepEqual(assignRunColours(['x', 'y'], { x: 0, y: 0 }), { x: 0, y: 1 });
  assert.deepEqual(assignRunColours(['x'], { x: -1 }), { x: 0 });
});

test('twelve distinct colours, then the same colours dashed', () => {
  const palette = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700', ...EXTRA_RUN_COLOURS];
  const strokes = Array.from({ length: 36 }, (_, i) => runStroke(i, palette));
  assert.equal(new Set(strokes.slice(0, 12).map((s) => s.color)).size, 12);
  assert.ok(strokes.slice(0, 12).every((s) => s.dash === undefined));
  assert.equal(strokes[12]!.color, strokes[0]!.color);
  assert.ok(strokes[12]!.dash);
  assert.notDeepEqual(strokes[24]!.dash, strokes[12]!.dash);
  const styles = new Set(strokes.map((s) => `${s.color}|${s.dash?.join(',') ?? ''}`));
  assert.equal(styles.size, 36, 'no two of 36 runs look the same');
});
