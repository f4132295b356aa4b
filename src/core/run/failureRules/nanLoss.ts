// The console's loss became NaN, and the child raised nothing else.
import type { Fix } from '../events';
import { argOf, setArg, type FailureRule } from './rule';

export const nanLoss: FailureRule = {
  id: 'nan-loss',
  class: 'nan_loss',
  when: (c) => c.childExceptions.length === 0 && c.input.nanLossStep !== undefined && c.input.nanLossStep !== null,
  diagnose: (c) => {
    const lr = Number(argOf(c.input, 'learning_rate') ?? 1e-4);
    const fix: Fix =
      argOf(c.input, 'mixed_precision') === 'fp16'
        ? { title: 'Train in bf16 instead of fp16', edits: [setArg('mixed_precision', 'bf16')] }
        : { title: `Halve learning_rate to ${lr / 2}`, edits: [setArg('learning_rate', lr / 2)] };
    return {
      message: `The training loss became NaN at step ${c.input.nanLossStep}.`,
      remedy:
        'The weights are diverging: lower learning_rate, prefer bf16 over fp16 (with fp16 use the fp16-safe VAE ' +
        'madebyollin/sdxl-vae-fp16-fix as pretrained_vae_model_name_or_path), keep max_grad_norm at 1, and resume from the last ' +
        'checkpoint saved before the NaN.',
      configKey: fix.edits[0]!.path,
      fix,
    };
  },
};
