// The GPU ran out of memory: the cheapest change not already made is the fix.
import type { Fix } from '../events';
import { argOf, hasArg, setArg, type FailureInput, type FailureRule } from './rule';

export const cudaOom: FailureRule = {
  id: 'cuda-oom',
  class: 'cuda_oom',
  pattern: /CUDA out of memory.*|OutOfMemoryError.*|MPS backend out of memory.*/,
  example: 'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 640.00 MiB.',
  diagnose: (c, m) => {
    const fix = oomFix(c.input);
    return {
      message: m![0],
      remedy:
        'The GPU ran out of memory. In order of cost: enable gradient_checkpointing, lower train_batch_size (raise ' +
        'gradient_accumulation_steps to keep the effective batch), use_8bit_adam, mixed_precision bf16 (or fp16), ' +
        'enable_xformers_memory_efficient_attention, a lower resolution; the full fine-tune needs about 40 GB, the LoRA scripts fit 24 GB.',
      configKey: fix?.edits[0]?.path ?? '/args/train_batch_size',
      ...(fix ? { fix } : {}),
    };
  },
};

function oomFix(input: FailureInput): Fix | undefined {
  const bs = Number(argOf(input, 'train_batch_size') ?? 1);
  const ga = Number(argOf(input, 'gradient_accumulation_steps') ?? 1);
  if (argOf(input, 'gradient_checkpointing') !== true) {
    return { title: 'Enable gradient checkpointing', edits: [setArg('gradient_checkpointing', true)] };
  }
  if (bs > 1) {
    const nb = Math.max(1, Math.floor(bs / 2));
    return {
      title: `Halve train_batch_size to ${nb} (gradient_accumulation_steps ${ga} → ${ga * 2})`,
      edits: [setArg('train_batch_size', nb), setArg('gradient_accumulation_steps', ga * 2)],
    };
  }
  if (hasArg(input, 'use_8bit_adam') && argOf(input, 'use_8bit_adam') !== true) {
    return { title: 'Use 8-bit Adam (needs bitsandbytes)', edits: [setArg('use_8bit_adam', true)] };
  }
  if (!argOf(input, 'mixed_precision') || argOf(input, 'mixed_precision') === 'no') {
    return { title: 'Train in bf16 mixed precision', edits: [setArg('mixed_precision', 'bf16')] };
  }
  return undefined;
}
