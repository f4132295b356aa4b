// Killed (SIGKILL) with no Python error of the child's own: most likely the Linux OOM killer.
import { argOf, setArg, type FailureRule } from './rule';

export const hostOomKilled: FailureRule = {
  id: 'host-oom-killed',
  class: 'host_oom_killed',
  when: (c) =>
    c.childExceptions.length === 0 &&
    (c.input.signal === 'SIGKILL' ||
      c.input.exitCode === 137 ||
      c.input.exitCode === -9 ||
      !!c.find(/died with <Signals\.SIGKILL: 9>|exitcode\s*:\s*-9\b|^Killed\b/)),
  example: "subprocess.CalledProcessError: Command '[...]' died with <Signals.SIGKILL: 9>.",
  diagnose: (c) => {
    const workers = Number(argOf(c.input, 'dataloader_num_workers') ?? 0);
    return {
      message: 'The training process was killed (SIGKILL) without a Python error.',
      remedy:
        'Most likely the Linux OOM killer: host RAM ran out (often during pre-compute, which keeps text embeddings of about ' +
        '0.6 MB per example in memory). Check `dmesg | grep -i oom`, add RAM or swap, train on fewer examples (max_train_samples) ' +
        'or use fewer dataloader workers.',
      configKey: '/args/dataloader_num_workers',
      ...(workers > 0 ? { fix: { title: 'Use no dataloader worker processes', edits: [setArg('dataloader_num_workers', 0)] } } : {}),
    };
  },
};
