// Each e2e security or fault check recorded in the suite's reliability report (test/reliabilityReport.ts) as it
// passes or fails; a failure is recorded, then thrown on, so the spec still fails where it did.
import type { ReliabilityLog } from '../reliabilityReport.js';

export type Check = (name: string, body: () => Promise<string | void> | string | void) => Promise<void>;

export function checker(log: ReliabilityLog): Check {
  return async (name, body) => {
    try {
      const detail = await body();
      log.check(name, true, detail || undefined);
    } catch (err) {
      log.check(name, false, (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 500));
      throw err;
    }
  };
}
