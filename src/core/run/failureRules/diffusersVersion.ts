// The script needs a newer diffusers than the one installed.
import type { FailureRule } from './rule';

export const diffusersVersion: FailureRule = {
  id: 'diffusers-version',
  class: 'diffusers_version',
  pattern: /requires a source install from HuggingFace diffusers.*|cannot import name .* from 'diffusers.*/,
  example: 'ImportError: This example requires a source install from HuggingFace diffusers (see `…`), but the version found is 0.35.2.',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy:
      'The script needs diffusers installed from source (main). In the training environment run ' +
      '`pip install git+https://github.com/huggingface/diffusers` (or `pip install -e .` in a diffusers clone).',
  }),
};
