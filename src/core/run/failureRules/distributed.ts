// Multi-GPU communication failed: a collective timed out or the rendezvous port was taken; or torch.distributed
// reports a failed child without saying why (after the SIGKILL rule, which explains most of those).
import type { FailureRule } from './rule';

export const collectiveFailed: FailureRule = {
  id: 'collective-failed',
  class: 'distributed',
  pattern: /NCCL.*|Watchdog caught collective operation timeout.*|DistNetworkError.*|EADDRINUSE.*|address already in use.*/i,
  example: '[E0823 ProcessGroupNCCL.cpp:632] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1)',
  diagnose: (_c, m) => {
    const port = /EADDRINUSE|address already in use/i.test(m![0]);
    return {
      message: m![0],
      remedy: port
        ? 'The rendezvous port is taken (another run?). Stop the other run or set launch.accelerateArgs.main_process_port to a free port.'
        : 'A multi-GPU collective failed or timed out. Check that all GPUs are healthy and visible (nvidia-smi), try NCCL_P2P_DISABLE=1 ' +
          'in launch.env on consumer cards, and keep validation short (other ranks wait in a collective while rank 0 validates).',
      ...(port ? { configKey: '/launch/accelerateArgs/main_process_port' } : {}),
    };
  },
};

export const childFailed: FailureRule = {
  id: 'child-failed',
  class: 'distributed',
  pattern: /ChildFailedError.*/,
  when: (c) => c.childExceptions.length === 0,
  example: 'torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ',
  diagnose: () => ({
    message: 'A training process failed (torch.distributed ChildFailedError); see the Root Cause table above it.',
    remedy: "Look at the first failing rank's error in the console; if there is none, the process was probably killed (host memory).",
  }),
};
