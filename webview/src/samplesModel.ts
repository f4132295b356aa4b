// The samples grid as data, apart from the DOM (so node tests can check it): rows are the validation prompts (the final
// test images a row of their own), columns the validations (epoch, and the test images' own column last in time),
// each cell the images of one prompt at one validation, by index. Also the viewer's moves: by step within a row and by
// prompt within a column.
import type { GalleryImageView } from '../../src/shared/dashboardProtocol';
import { epochNumber } from '../../src/shared/epochs';

/** A validation: `String(epoch)` or `test`. */
export type ColumnKey = string;

export interface SampleColumn {
  key: ColumnKey;
  epoch: number | 'test';
  /** The global step of the validation, when the host knows it. */
  step?: number;
}

export interface SampleRow {
  /** `p:<prompt>` for a prompt's row, `test` for the final test images. */
  key: string;
  label: string;
}

export interface SampleGrid {
  rows: SampleRow[];
  /** Oldest first (display order is the view's choice). */
  columns: SampleColumn[];
  /** Images by `cellKey(row, column)`, sorted by index. */
  cells: Map<string, GalleryImageView[]>;
  /** The most images any cell holds (num_validation_images). */
  perCell: number;
}

export const TEST_ROW = 'test';
export const cellKey = (row: string, col: ColumnKey): string => `${row}\u0000${col}`;
export const columnKeyOf = (epoch: number | 'test'): ColumnKey => String(epoch);
export const rowKeyOf = (img: GalleryImageView): string => (img.epoch === 'test' ? TEST_ROW : `p:${img.prompt ?? ''}`);

/** "Epoch 3 · step 120" (1-based epoch), or "Final (test)". */
export function columnLabel(c: Pick<SampleColumn, 'epoch' | 'step'>): string {
  const name = c.epoch === 'test' ? 'Final (test)' : `Epoch ${epochNumber(c.epoch)}`;
  return c.step !== undefined ? `${name} · step ${c.step}` : name;
}

export function buildGrid(images: readonly GalleryImageView[], fallbackPrompt?: string): SampleGrid {
  const rows = new Map<string, SampleRow>();
  const columns = new Map<ColumnKey, SampleColumn>();
  const cells = new Map<string, GalleryImageView[]>();
  let perCell = 0;
  for (const raw of images) {
    const img = raw.prompt === undefined && raw.epoch !== 'test' && fallbackPrompt ? { ...raw, prompt: fallbackPrompt } : raw;
    const row = rowKeyOf(img);
    if (!rows.has(row)) rows.set(row, { key: row, label: row === TEST_ROW ? 'Final (test)' : img.prompt || '(no prompt)' });
    const col = columnKeyOf(img.epoch);
    const c = columns.get(col) ?? { key: col, epoch: img.epoch };
    if (c.step === undefined && img.step !== undefined) c.step = img.step;
    columns.set(col, c);
    const k = cellKey(row, col);
    let list = cells.get(k);
    if (!list) cells.set(k, (list = []));
    list.push(img);
  }
  for (const list of cells.values()) {
    list.sort((a, b) => a.index - b.index);
    perCell = Math.max(perCell, list.length);
  }
  const order = (c: SampleColumn) => (c.epoch === 'test' ? Number.MAX_SAFE_INTEGER : c.epoch);
  // Prompt rows in the order they first appear; the test row last.
  const rowList = [...rows.values()].sort((a, b) => Number(a.key === TEST_ROW) - Number(b.key === TEST_ROW));
  return { rows: rowList, columns: [...columns.values()].sort((a, b) => order(a) - order(b)), cells, perCell };
}

/** The columns in display order. */
export function orderedColumns(grid: SampleGrid, newestFirst: boolean): SampleColumn[] {
  return newestFirst ? [...grid.columns].reverse() : grid.columns;
}

/** The window of `count` display columns starting at `start`, clamped to the grid. */
export function visibleWindow(total: number, start: number, count: number): { start: number; end: number } {
  const n = Math.max(1, Math.min(count, total));
  const s = Math.max(0, Math.min(Math.floor(start), total - n));
  return { start: s, end: Math.min(total, s + n) };
}

export interface SampleRef {
  row: string;
  col: ColumnKey;
  index: number;
}

export function imageAt(grid: SampleGrid, ref: SampleRef): GalleryImageView | undefined {
  const list = grid.cells.get(cellKey(ref.row, ref.col));
  return list?.find((i) => i.index === ref.index) ?? list?.[0];
}

/** The image one validation earlier (-1) or later (+1) in the same row, skipping validations without one. */
export function stepMove(grid: SampleGrid, ref: SampleRef, dir: -1 | 1): SampleRef | undefined {
  const i = grid.columns.findIndex((c) => c.key === ref.col);
  if (i < 0) return undefined;
  for (let j = i + dir; j >= 0 && j < grid.columns.length; j += dir) {
    const col = grid.columns[j]!.key;
    const img = imageAt(grid, { ...ref, col });
    if (img) return { row: ref.row, col, index: img.index };
  }
  return undefined;
}

/** The image of the previous (-1) or next (+1) prompt row at the same validation (or the test row's own image). */
export function promptMove(grid: SampleGrid, ref: SampleRef, dir: -1 | 1): SampleRef | undefined {
  const i = grid.rows.findIndex((r) => r.key === ref.row);
  if (i < 0) return undefined;
  for (let j = i + dir; j >= 0 && j < grid.rows.length; j += dir) {
    const row = grid.rows[j]!.key;
    // The test images sit in their own column: moving into or out of their row goes to that row's nearest column.
    const cols = row === TEST_ROW || ref.row === TEST_ROW ? nearestFirst(grid, ref.col) : [ref.col];
    for (const col of cols) {
      const img = imageAt(grid, { row, col, index: ref.index });
      if (img) return { row, col, index: img.index };
    }
  }
  return undefined;
}

/** Column keys, nearest to `col` first (later ones first on a tie), for moves between rows with different columns. */
function nearestFirst(grid: SampleGrid, col: ColumnKey): ColumnKey[] {
  const i = Math.max(
    0,
    grid.columns.findIndex((c) => c.key === col),
  );
  return grid.columns
    .map((c, j) => ({ key: c.key, d: Math.abs(j - i), j }))
    .sort((a, b) => a.d - b.d || b.j - a.j)
    .map((c) => c.key);
}

/** The next (+1) or previous (-1) image of the same validation and prompt (num_validation_images > 1). */
export function imageMove(grid: SampleGrid, ref: SampleRef, dir: -1 | 1): SampleRef | undefined {
  const list = grid.cells.get(cellKey(ref.row, ref.col)) ?? [];
  const i = list.findIndex((img) => img.index === ref.index);
  const next = list[i + dir];
  return i >= 0 && next ? { ...ref, index: next.index } : undefined;
}

/** The column of another run's grid at the same step (or, without steps, the same epoch). */
export function sameStepColumn(grid: SampleGrid, col: SampleColumn): SampleColumn | undefined {
  if (col.step !== undefined) {
    const byStep = grid.columns.find((c) => c.step === col.step && (c.epoch === 'test') === (col.epoch === 'test'));
    if (byStep) return byStep;
  }
  return grid.columns.find((c) => c.key === col.key);
}
