// A Python package the run needs is not installed: the optional ones a setting asks for, each with the setting that
// avoids it, then any other module.
import { setArg, type FailureRule } from './rule';

export const xformersMissing: FailureRule = {
  id: 'xformers-missing',
  class: 'missing_package',
  pattern: /xformers is not available.*|No module named 'xformers'.*/,
  example: 'ValueError: xformers is not available. Make sure it is installed correctly',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy:
      'Install xformers matching your torch build (`pip install xformers`), or turn off enable_xformers_memory_efficient_attention ' +
      '(recent torch has efficient attention built in).',
    configKey: '/args/enable_xformers_memory_efficient_attention',
    fix: { title: 'Turn off xformers attention', edits: [setArg('enable_xformers_memory_efficient_attention', false)] },
  }),
};

export const bitsandbytesMissing: FailureRule = {
  id: 'bitsandbytes-missing',
  class: 'missing_package',
  pattern: /install the bitsandbytes library.*|No module named 'bitsandbytes'.*/,
  example: 'ImportError: To use 8-bit Adam, please install the bitsandbytes library: `pip install bitsandbytes`.',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy: 'Install bitsandbytes (`pip install bitsandbytes`) or turn off use_8bit_adam.',
    configKey: '/args/use_8bit_adam',
    fix: { title: 'Turn off 8-bit Adam', edits: [setArg('use_8bit_adam', false)] },
  }),
};

export const wandbMissing: FailureRule = {
  id: 'wandb-missing',
  class: 'missing_package',
  pattern: /install wandb.*|No module named 'wandb'.*/,
  example: 'ImportError: Make sure to install wandb if you want to use it for logging during training.',
  diagnose: (_c, m) => ({
    message: m![0],
    remedy: 'Install wandb (`pip install wandb`, then `wandb login`) or report to tensorboard.',
    configKey: '/args/report_to',
    fix: { title: 'Report to TensorBoard', edits: [setArg('report_to', 'tensorboard')] },
  }),
};

/** Import names whose pip package is called otherwise. */
const PIP_NAMES: Readonly<Record<string, string>> = { PIL: 'pillow', cv2: 'opencv-python', yaml: 'pyyaml', sklearn: 'scikit-learn' };

export const moduleMissing: FailureRule = {
  id: 'module-missing',
  class: 'missing_package',
  pattern: /No module named '([\w.]+)'.*/,
  example: "ModuleNotFoundError: No module named 'PIL'",
  diagnose: (_c, m) => {
    const mod = m![1]!.split('.')[0]!;
    const pip = Object.prototype.hasOwnProperty.call(PIP_NAMES, mod) ? PIP_NAMES[mod] : mod;
    return {
      message: m![0],
      remedy: `Install the missing package in the training environment: \`pip install ${pip}\` ` + '(see examples/text_to_image/requirements_sdxl.txt).',
    };
  },
};
