// The samples grid as data (webview/src/samplesModel.ts): rows by prompt with the test images last, columns by
// validation, cells by index, and the viewer's moves by step, prompt and image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GalleryImageView } from '../../src/shared/dashboardProtocol';
import { buildGrid, columnLabel, imageMove, orderedColumns, promptMove, sameStepColumn, stepMove, visibleWindow } from '../../webview/src/samplesModel';

const img = (epoch: number | 'test', index: number, prompt?: string, step?: number): GalleryImageView => ({
  epoch,
  index,
  uri: `u/${epoch}/${index}/${prompt ?? ''}`,
  ...(prompt !== undefined ? { prompt } : {}),
  ...(step !== undefined ? { step } : {}),
});

const images = [
  img(1, 1, 'a dog', 200),
  img(0, 0, 'a dog', 100),
  img(1, 0, 'a dog', 200),
  img(0, 0, 'a cat', 100),
  img('test', 0, 'a dog', 300),
  img(2, 0, 'a dog', 300),
];

test('rows are prompts (first seen first) and the test images last; columns are validations oldest first', () => {
  const g = buildGrid(images);
  assert.deepEqual(
    g.rows.map((r) => r.label),
    ['a dog', 'a cat', 'Final (test)'],
  );
  assert.deepEqual(
    g.columns.map((c) => columnLabel(c)),
    ['Epoch 1 · step 100', 'Epoch 2 · step 200', 'Epoch 3 · step 300', 'Final (test) · step 300'],
  );
  assert.deepEqual(
    orderedColumns(g, true).map((c) => c.key),
    ['test', '2', '1', '0'],
  );
  assert.deepEqual(
    g.cells.get('p:a dog\u00001')!.map((i) => i.index),
    [0, 1],
  );
  assert.equal(g.perCell, 2);
});

test('images without a prompt take the run validation prompt', () => {
  const g = buildGrid([img(0, 0), img('test', 0)], 'a bird');
  assert.deepEqual(
    g.rows.map((r) => r.label),
    ['a bird', 'Final (test)'],
  );
});

test('the visible window is clamped to the grid', () => {
  assert.deepEqual(visibleWindow(10, 8, 4), { start: 6, end: 10 });
  assert.deepEqual(visibleWindow(3, 2, 5), { start: 0, end: 3 });
  assert.deepEqual(visibleWindow(10, -3, 4), { start: 0, end: 4 });
});

test('moves: by step within a row, by prompt within a column, by image within a cell', () => {
  const g = buildGrid(images);
  const at = { row: 'p:a dog', col: '1', index: 1 };
  assert.deepEqual(stepMove(g, at, -1), { row: 'p:a dog', col: '0', index: 0 }, 'epoch 1 has one image: index 0');
  assert.deepEqual(stepMove(g, at, 1), { row: 'p:a dog', col: '2', index: 0 });
  assert.equal(stepMove(g, { row: 'p:a dog', col: '2', index: 0 }, 1), undefined, 'the test images are a row of their own');
  assert.deepEqual(promptMove(g, { row: 'p:a dog', col: '0', index: 0 }, 1), { row: 'p:a cat', col: '0', index: 0 });
  assert.deepEqual(promptMove(g, { row: 'p:a cat', col: '0', index: 0 }, 1), { row: 'test', col: 'test', index: 0 });
  assert.deepEqual(promptMove(g, { row: 'test', col: 'test', index: 0 }, -1), { row: 'p:a cat', col: '0', index: 0 });
  assert.equal(promptMove(g, { row: 'p:a dog', col: '0', index: 0 }, -1), undefined);
  assert.deepEqual(imageMove(g, { row: 'p:a dog', col: '1', index: 0 }, 1), { row: 'p:a dog', col: '1', index: 1 });
  assert.equal(imageMove(g, { row: 'p:a dog', col: '1', index: 1 }, 1), undefined);
});

test("another run's column at the same step", () => {
  const other = buildGrid([img(0, 0, 'a dog', 50), img(1, 0, 'a dog', 100)]);
  const col = buildGrid(images).columns[0]!; // epoch 0 at step 100
  assert.equal(sameStepColumn(other, col)?.key, '1');
});
