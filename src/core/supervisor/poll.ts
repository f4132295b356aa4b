// Waiting for a condition instead of sleeping a fixed time.
export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` until it is true (returns true) or `timeoutMs` passes (returns false). */
export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await delay(Math.min(intervalMs, Math.max(1, end - Date.now())));
  }
}
