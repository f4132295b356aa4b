// Epochs as people read them: counted from 1 ("epoch 1/8") in every view — the dashboard header, gallery and chart
// markers, `summarize`, `run follow`, notifications. The scripts, their event files (validation images are logged at
// step = epoch) and RunState count from 0; only what is shown is converted, here.

/** The 1-based number of a 0-based epoch. */
export function epochNumber(epoch0: number): number {
  return epoch0 + 1;
}

/** `epoch 3/8` (or `epoch 3` without a known total) for a 0-based epoch. */
export function epochText(epoch0: number, total?: number | null): string {
  return `epoch ${epochNumber(epoch0)}${total ? `/${total}` : ''}`;
}
