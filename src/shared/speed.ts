// One way to write a training speed, for every view (status bar, Runs tree, dashboard, CLI): the `sdxl.speedUnit`
// setting picks it. Shared with the dashboard webview, which formats its own status panel.

export const SPEED_UNITS = ['auto', 'it/s', 's/it'] as const;
export type SpeedUnit = (typeof SPEED_UNITS)[number];

export function isSpeedUnit(v: unknown): v is SpeedUnit {
  return typeof v === 'string' && (SPEED_UNITS as readonly string[]).includes(v);
}

/** Seconds per step as `1.23 s/it` or `4.56 it/s`; `auto`: s/it when slower than one step a second. */
export function formatSpeed(secPerStep: number | null | undefined, unit: SpeedUnit = 'auto'): string {
  if (secPerStep === null || secPerStep === undefined || !Number.isFinite(secPerStep) || secPerStep <= 0) return '–';
  const perSec = unit === 's/it' || (unit === 'auto' && secPerStep > 1);
  const v = perSec ? secPerStep : 1 / secPerStep;
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${perSec ? 's/it' : 'it/s'}`;
}
