import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFailure, checkTensorboardLogs, detectHang, FAILURE_TITLES, failureTitle } from '../../src/core/run/failure';
import type { TracebackInfo } from '../../src/core/run/events';

const tb = (exception: string, lines: string[] = []): TracebackInfo => ({ lines: ['Traceback (most recent call last):', ...lines, exception], exception });
const launcher = tb("subprocess.CalledProcessError: Command '['python', 'train_text_to_image_sdxl.py']' returned non-zero exit status 1.");

test('each failure class from its characteristic output', () => {
  const cases: Array<[string, Parameters<typeof classifyFailure>[0]]> = [
    ['cuda_oom', { tracebacks: [tb('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 640.00 MiB.'), launcher], exitCode: 1 }],
    ['cuda_oom', { tracebacks: [tb('torch.cuda.OutOfMemoryError: CUDA out of memory. (GPU 0; 23.65 GiB total capacity)')], exitCode: 1 }],
    ['host_oom_killed', { lines: ["subprocess.CalledProcessError: Command '[...]' died with <Signals.SIGKILL: 9>."], exitCode: 1 }],
    ['host_oom_killed', { signal: 'SIGKILL', exitCode: null }],
    ['missing_package', { tracebacks: [tb('ValueError: xformers is not available. Make sure it is installed correctly')] }],
    ['missing_package', { tracebacks: [tb('ImportError: To use 8-bit Adam, please install the bitsandbytes library: `pip install bitsandbytes`.')] }],
    ['missing_package', { tracebacks: [tb('ImportError: Make sure to install wandb if you want to use it for logging during training.')] }],
    ['missing_package', { tracebacks: [tb("ModuleNotFoundError: No module named 'PIL'")] }],
    ['dataset_columns', { tracebacks: [tb("ValueError: --caption_column' value 'text' needs to be one of: image")] }],
    ['dataset_columns', { tracebacks: [tb('ValueError: Need either a dataset name or a training folder.')] }],
    ['argparse', { lines: ["train_text_to_image_sdxl.py: error: argument --lr_scheduler: invalid choice: 'x'"], exitCode: 2 }],
    [
      'diffusers_version',
      { tracebacks: [tb('ImportError: This example requires a source install from HuggingFace diffusers (see `…`), but the version found is 0.35.2.')] },
    ],
    ['nan_loss', { nanLossStep: 41, exitCode: null }],
    [
      'hub_auth',
      { tracebacks: [tb('huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/repos/create')] },
    ],
    ['hub_auth', { tracebacks: [tb("OSError: foo/bar is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'")] }],
    ['distributed', { lines: ['[E0823 ProcessGroupNCCL.cpp:632] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1)'] }],
    ['distributed', { tracebacks: [tb('torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ')], exitCode: 1 }],
    ['disk_full', { tracebacks: [tb('OSError: [Errno 28] No space left on device')] }],
    ['other', { tracebacks: [tb('ValueError: Unknown prediction type x_pred'), launcher], exitCode: 1 }],
  ];
  for (const [cls, input] of cases) {
    const d = classifyFailure(input);
    assert.equal(d.class, cls, JSON.stringify(input));
    assert.ok(d.message.length > 0 && d.remedy.length > 0);
  }
});

test("the child's cause wins over launcher wrappers and SIGKILL-looking summaries", () => {
  const d = classifyFailure({
    tracebacks: [tb('torch.OutOfMemoryError: CUDA out of memory.'), tb('torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ')],
    lines: ['exitcode  : -9 (pid: 1)'],
  });
  assert.equal(d.class, 'cuda_oom');
  const other = classifyFailure({ tracebacks: [tb('KeyError: 3'), launcher], exitCode: 1 });
  assert.equal(other.message, 'KeyError: 3');
});

test('cuda_oom fix picks the first remedy not already applied', () => {
  const oom = { tracebacks: [tb('torch.OutOfMemoryError: CUDA out of memory.')], script: 'full' as const };
  assert.deepEqual(classifyFailure(oom).fix!.edits, [{ op: 'set', path: '/args/gradient_checkpointing', value: true }]);
  const gc = classifyFailure({ ...oom, args: { gradient_checkpointing: true, train_batch_size: 4, gradient_accumulation_steps: 2 } });
  assert.deepEqual(gc.fix!.edits, [
    { op: 'set', path: '/args/train_batch_size', value: 2 },
    { op: 'set', path: '/args/gradient_accumulation_steps', value: 4 },
  ]);
  assert.equal(gc.configKey, '/args/train_batch_size');
  const bs1 = classifyFailure({ ...oom, args: { gradient_checkpointing: true, train_batch_size: 1 } });
  assert.deepEqual(bs1.fix!.edits, [{ op: 'set', path: '/args/use_8bit_adam', value: true }]);
});

test('argparse keys and fixes come from the message', () => {
  const unk = classifyFailure({ lines: ['train_text_to_image_sdxl.py: error: unrecognized arguments: --rank 4'] });
  assert.equal(unk.configKey, '/args/rank');
  assert.deepEqual(unk.fix!.edits, [{ op: 'remove', path: '/args/rank' }]);
  const req = classifyFailure({ lines: ['x.py: error: the following arguments are required: --instance_prompt'] });
  assert.equal(req.configKey, '/args/instance_prompt');
});

test('nan_loss fix: bf16 when training in fp16, else half the learning rate', () => {
  assert.deepEqual(classifyFailure({ nanLossStep: 3, args: { mixed_precision: 'fp16' } }).fix!.edits, [
    { op: 'set', path: '/args/mixed_precision', value: 'bf16' },
  ]);
  assert.deepEqual(classifyFailure({ nanLossStep: 3, args: { learning_rate: 2e-4 } }).fix!.edits, [{ op: 'set', path: '/args/learning_rate', value: 1e-4 }]);
});

test('missing tensorboard is detected from a missing logs dir', () => {
  assert.equal(checkTensorboardLogs({ reportTo: undefined, logsDirExists: false, step: 10 })?.class, 'missing_package');
  assert.equal(checkTensorboardLogs({ reportTo: 'tensorboard', logsDirExists: true, step: 10 }), undefined);
  assert.equal(checkTensorboardLogs({ reportTo: 'wandb', logsDirExists: false, step: 10 }), undefined);
  assert.equal(checkTensorboardLogs({ reportTo: 'tensorboard', logsDirExists: false, step: 0 }), undefined);
});

test('detectHang: many times the usual step time, never before a minimum', () => {
  const times = [0, 3000, 6000, 9000, 12000]; // 3 s per step
  assert.equal(detectHang(times.slice(0, 2), 1e9), undefined);
  const ok = detectHang(times, 12000 + 30_000, { minSec: 60 })!;
  assert.equal(ok.typicalStepSec, 3);
  assert.equal(ok.hung, false);
  assert.equal(detectHang(times, 12000 + 61_000, { minSec: 60 })!.hung, true);
  assert.equal(detectHang(times, 12000 + 61_000)!.hung, false, 'default minimum covers checkpoint saves and validation');
});

test('every failure class has a human title, used for known classes; an unknown class reads as its words', () => {
  assert.equal(failureTitle('cuda_oom'), 'Out of GPU memory');
  assert.equal(failureTitle('nan_loss'), 'Loss became NaN');
  for (const [cls, title] of Object.entries(FAILURE_TITLES)) {
    assert.equal(failureTitle(cls), title);
    assert.ok(!title.includes('_') && title.toLowerCase() !== cls.replace(/_/g, ' '), `${cls}: "${title}" is not just the class name`);
    assert.match(title, /^[A-Z]/, cls);
  }
  assert.equal(failureTitle('some_new_class'), 'some new class');
});
