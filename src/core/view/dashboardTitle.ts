// The dashboard panel's title names what its charts show, so a tab never keeps the name of a run it no longer shows.

/** `names`: the display names of the runs shown, in the order shown. */
export function dashboardTitle(names: readonly string[]): string {
  if (names.length === 0) return 'SDXL Dashboard';
  if (names.length === 1) return `SDXL: ${names[0]}`;
  return `SDXL: ${names.length} runs`;
}
