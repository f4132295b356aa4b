// No space left where the run writes.
import { setArg, type FailureRule } from './rule';

export const diskFull: FailureRule = {
  id: 'disk-full',
  class: 'disk_full',
  pattern: /No space left on device|\[Errno 28\].*/,
  example: 'OSError: [Errno 28] No space left on device',
  diagnose: (_c, m) => ({
    message: `The disk is full: ${m![0]}`,
    remedy:
      'Free disk space where output_dir (and the datasets/HF cache) live. Full checkpoints take tens of GB each ' +
      '(fp32 UNet plus optimizer state); limit how many are kept with checkpoints_total_limit.',
    configKey: '/args/checkpoints_total_limit',
    fix: { title: 'Keep only the 2 newest checkpoints', edits: [setArg('checkpoints_total_limit', 2)] },
  }),
};
