// Runs of the stand-in trainer (the demo workspace) must say so wherever they show.
import type { RunRecord } from '../../core/supervisor/types';

export function isSimulated(record: RunRecord): boolean {
  return record.plan.env['SDXL_STANDIN_TRAINER'] !== undefined;
}
