// xformers is installed but none of its kernels can run here (tried before the missing-package rules: the package is
// there, its kernels are what is missing).
import { setArg, type FailureRule } from './rule';

export const xformersBuild: FailureRule = {
  id: 'xformers-build',
  class: 'xformers_build',
  pattern: /No operator found for `?memory_efficient_attention_forward`?.*/,
  example: 'NotImplementedError: No operator found for `memory_efficient_attention_forward` with inputs:',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy:
      'xformers is installed, but none of its attention kernels can run here: it was built without CUDA or for ' +
      'another torch/CUDA version (`python -m xformers.info` lists them as unavailable), or the run is on the CPU. ' +
      'Install the xformers build that matches your torch and CUDA, or turn off enable_xformers_memory_efficient_attention ' +
      '(torch 2 has memory-efficient attention built in).',
    configKey: '/args/enable_xformers_memory_efficient_attention',
    fix: { title: 'Turn off xformers attention', edits: [setArg('enable_xformers_memory_efficient_attention', false)] },
  }),
};
