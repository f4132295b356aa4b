import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig, FP16_FIX_VAE, type Diagnostic } from '../../src/core/diagnostics';
import { applyFix } from '../../src/core/config/fixes';
import { SCRIPTS, type ScriptKind } from '../../src/core/scripts/scriptTables';
import { runsOnLocalGpus } from '../../src/core/launch/launchPlan';
import type { SdxlConfig } from '../../src/core/config/config';

type Args = Record<string, unknown>;
const BASE = 'stabilityai/stable-diffusion-xl-base-1.0';

// Configs a careful user would write: no rule may fire on them.
const CLEAN: Record<ScriptKind, { script: ScriptKind; launch?: Args; args: Args }> = {
  full: {
    script: 'full',
    launch: { accelerateArgs: { num_processes: 1, mixed_precision: 'fp16' } },
    args: {
      pretrained_model_name_or_path: BASE,
      pretrained_vae_model_name_or_path: FP16_FIX_VAE,
      dataset_name: 'lambdalabs/naruto-blip-captions',
      mixed_precision: 'fp16',
      resolution: 1024,
      train_batch_size: 1,
      gradient_checkpointing: true,
      use_8bit_adam: true,
      max_train_steps: 1000,
      checkpointing_steps: 500,
      validation_prompt: 'a cat',
      validation_epochs: 1,
      report_to: 'tensorboard',
      output_dir: 'out',
      timestep_bias_strategy: 'later',
      timestep_bias_multiplier: 2,
      image_column: 'image',
      caption_column: 'text',
    },
  },
  lora: {
    script: 'lora',
    args: {
      pretrained_model_name_or_path: BASE,
      train_data_dir: 'data',
      mixed_precision: 'bf16',
      rank: 8,
      resolution: 1024,
      train_batch_size: 1,
      max_train_steps: 200,
      checkpointing_steps: 100,
      validation_prompt: 'a dog',
      caption_column: 'caption',
    },
  },
  'dreambooth-lora': {
    script: 'dreambooth-lora',
    args: {
      pretrained_model_name_or_path: BASE,
      instance_data_dir: 'dog',
      instance_prompt: 'a photo of sks dog',
      mixed_precision: 'bf16',
      with_prior_preservation: true,
      class_data_dir: 'class',
      class_prompt: 'a photo of a dog',
      optimizer: 'prodigy',
      learning_rate: 1.0,
      prodigy_decouple: true,
      rank: 4,
      max_train_steps: 500,
      checkpointing_steps: 250,
    },
  },
};

function text(kind: ScriptKind, change: (args: Args, doc: Args) => void = () => {}): string {
  const doc = structuredClone(CLEAN[kind]) as unknown as Args;
  change(doc.args as Args, doc);
  return JSON.stringify(doc, null, 2);
}

function find(ds: Diagnostic[], code: string, path?: string): Diagnostic | undefined {
  return ds.find((d) => d.code === code && (path === undefined || d.path === path));
}

for (const kind of Object.keys(CLEAN) as ScriptKind[]) {
  test(`clean ${kind} config has no diagnostics`, () => {
    // The model ids are not folders here (an existing folder of that name would be loaded instead of the Hub repo).
    const hubIdPath = (p: string) => /^\/proj\/(stabilityai|madebyollin)\//.test(p);
    const listDir = (p: string) =>
      p === '/proj/dog' ? ['01.png', '02.jpg'] : p === '/proj/data' ? ['metadata.jsonl', '01.png'] : hubIdPath(p) ? undefined : ['checkpoint-10', 'logs'];
    assert.deepEqual(validateConfig(text(kind), { configPath: '/proj/a.sdxl.json', listDir }), []);
  });
}

test("torch.distributed.run's tee and redirects, which accelerate passes on, are known accelerate options", () => {
  const t = text('lora', (_a, d) => (d.launch = { accelerateArgs: { multi_gpu: true, num_processes: 2, tee: '3', redirects: '0:3,1:3' } }));
  const ds = validateConfig(t, { configPath: '/proj/a.sdxl.json' }).filter((d) => d.path.startsWith('/launch/accelerateArgs'));
  assert.deepEqual(
    ds.map((d) => `${d.code} ${d.path}`),
    [],
  );
});

interface Case {
  kind: ScriptKind;
  change: (args: Args, doc: Args) => void;
  code: string;
  path: string;
  severity: Diagnostic['severity'];
}

const CASES: Record<string, Case> = {
  'fp16 in args with the stock VAE': {
    kind: 'full',
    change: (a) => delete a.pretrained_vae_model_name_or_path,
    code: 'fp16-stock-vae',
    path: '/args/mixed_precision',
    severity: 'warning',
  },
  'fp16 from accelerateArgs with the stock VAE': {
    kind: 'lora',
    change: (a, d) => {
      delete a.mixed_precision;
      d.launch = { accelerateArgs: { mixed_precision: 'fp16' } };
    },
    code: 'fp16-stock-vae',
    path: '/launch/accelerateArgs/mixed_precision',
    severity: 'warning',
  },
  'no dataset (full)': { kind: 'full', change: (a) => delete a.dataset_name, code: 'no-dataset', path: '/args/train_data_dir', severity: 'error' },
  'no dataset (lora)': { kind: 'lora', change: (a) => delete a.train_data_dir, code: 'no-dataset', path: '/args/train_data_dir', severity: 'error' },
  'dreambooth without images': {
    kind: 'dreambooth-lora',
    change: (a) => delete a.instance_data_dir,
    code: 'no-dataset',
    path: '/args/instance_data_dir',
    severity: 'error',
  },
  'dreambooth with both sources': {
    kind: 'dreambooth-lora',
    change: (a) => (a.dataset_name = 'x/y'),
    code: 'dataset-conflict',
    path: '/args/dataset_name',
    severity: 'error',
  },
  'prior preservation without class prompt': {
    kind: 'dreambooth-lora',
    change: (a) => delete a.class_prompt,
    code: 'prior-preservation-incomplete',
    path: '/args/with_prior_preservation',
    severity: 'error',
  },
  'prior preservation without class dir': {
    kind: 'dreambooth-lora',
    change: (a) => (a.class_data_dir = null),
    code: 'prior-preservation-incomplete',
    path: '/args/with_prior_preservation',
    severity: 'error',
  },
  'class prompt without prior preservation': {
    kind: 'dreambooth-lora',
    change: (a) => (a.with_prior_preservation = false),
    code: 'prior-preservation-unused',
    path: '/args/class_prompt',
    severity: 'info',
  },
  'timestep bias multiplier 0': {
    kind: 'full',
    change: (a) => (a.timestep_bias_multiplier = 0),
    code: 'timestep-bias-multiplier',
    path: '/args/timestep_bias_multiplier',
    severity: 'error',
  },
  'negative multiplier with no strategy': {
    kind: 'full',
    change: (a) => {
      a.timestep_bias_multiplier = -1;
      a.timestep_bias_strategy = 'none';
    },
    code: 'timestep-bias-multiplier',
    path: '/args/timestep_bias_multiplier',
    severity: 'warning',
  },
  'range end above 1000': {
    kind: 'full',
    change: (a) => {
      a.timestep_bias_strategy = 'range';
      a.timestep_bias_end = 1001;
    },
    code: 'timestep-bias-range',
    path: '/args/timestep_bias_end',
    severity: 'error',
  },
  'range begin below 0': {
    kind: 'full',
    change: (a) => {
      a.timestep_bias_strategy = 'range';
      a.timestep_bias_begin = -5;
    },
    code: 'timestep-bias-range',
    path: '/args/timestep_bias_begin',
    severity: 'error',
  },
  'empty range': {
    kind: 'full',
    change: (a) => {
      a.timestep_bias_strategy = 'range';
      a.timestep_bias_begin = 600;
      a.timestep_bias_end = 600;
    },
    code: 'timestep-bias-range',
    path: '/args/timestep_bias_end',
    severity: 'warning',
  },
  'range end is exclusive': {
    kind: 'full',
    change: (a) => {
      a.timestep_bias_strategy = 'range';
      a.timestep_bias_begin = 200;
      a.timestep_bias_end = 800;
    },
    code: 'timestep-bias-range-exclusive',
    path: '/args/timestep_bias_end',
    severity: 'info',
  },
  'report_to wandb': { kind: 'lora', change: (a) => (a.report_to = 'wandb'), code: 'report-to-not-tensorboard', path: '/args/report_to', severity: 'warning' },
  'report_to all': { kind: 'full', change: (a) => (a.report_to = 'all'), code: 'report-to-all', path: '/args/report_to', severity: 'info' },
  // hub_token goes as HF_TOKEN, so the script's refusal of wandb with --hub_token cannot fire: a warning, no error.
  'report_to wandb with hub_token': {
    kind: 'full',
    change: (a) => {
      a.report_to = 'wandb';
      a.hub_token = 'hf_abc';
    },
    code: 'hub-token-in-config',
    path: '/args/hub_token',
    severity: 'warning',
  },
  'hub_token in the file': { kind: 'lora', change: (a) => (a.hub_token = 'hf_abc'), code: 'hub-token-in-config', path: '/args/hub_token', severity: 'warning' },
  'validation_epochs without prompt': {
    kind: 'full',
    change: (a) => delete a.validation_prompt,
    code: 'validation-without-prompt',
    path: '/args/validation_epochs',
    severity: 'warning',
  },
  'checkpointing after the end': {
    kind: 'lora',
    change: (a) => (a.checkpointing_steps = 300),
    code: 'checkpointing-after-end',
    path: '/args/checkpointing_steps',
    severity: 'warning',
  },
  'default checkpointing after the end': {
    kind: 'lora',
    change: (a) => {
      delete a.checkpointing_steps;
      a.max_train_steps = 100;
    },
    code: 'checkpointing-after-end',
    path: '/args/max_train_steps',
    severity: 'warning',
  },
  'resolution not a multiple of 8': {
    kind: 'lora',
    change: (a) => (a.resolution = 1020),
    code: 'resolution-multiple-of-8',
    path: '/args/resolution',
    severity: 'warning',
  },
  'caption column in the full script': {
    kind: 'full',
    change: (a) => (a.caption_column = 'caption'),
    code: 'full-script-column-names',
    path: '/args/caption_column',
    severity: 'error',
  },
  'image column in the full script': {
    kind: 'full',
    change: (a) => (a.image_column = 'img'),
    code: 'full-script-column-names',
    path: '/args/image_column',
    severity: 'error',
  },
  push_to_hub: { kind: 'full', change: (a) => (a.push_to_hub = true), code: 'push-to-hub', path: '/args/push_to_hub', severity: 'warning' },
  'prodigy bool false': {
    kind: 'dreambooth-lora',
    change: (a) => (a.prodigy_decouple = false),
    code: 'argparse-bool-false',
    path: '/args/prodigy_decouple',
    severity: 'info',
  },
  '8-bit Adam with prodigy': {
    kind: 'dreambooth-lora',
    change: (a) => (a.use_8bit_adam = true),
    code: '8bit-adam-with-prodigy',
    path: '/args/use_8bit_adam',
    severity: 'warning',
  },
  'EDM with snr_gamma': {
    kind: 'dreambooth-lora',
    change: (a) => {
      a.do_edm_style_training = true;
      a.snr_gamma = 5;
    },
    code: 'edm-with-snr-gamma',
    path: '/args/snr_gamma',
    severity: 'error',
  },
  // Argument-level checks.
  'string for an int': { kind: 'lora', change: (a) => (a.train_batch_size = '2'), code: 'type', path: '/args/train_batch_size', severity: 'error' },
  'fraction for an int': { kind: 'lora', change: (a) => (a.rank = 4.5), code: 'type', path: '/args/rank', severity: 'error' },
  'string for a float': { kind: 'full', change: (a) => (a.learning_rate = '1e-5'), code: 'type', path: '/args/learning_rate', severity: 'error' },
  'string for a switch': {
    kind: 'full',
    change: (a) => (a.gradient_checkpointing = 'true'),
    code: 'type',
    path: '/args/gradient_checkpointing',
    severity: 'error',
  },
  'number for a string': { kind: 'full', change: (a) => (a.validation_prompt = 42), code: 'type', path: '/args/validation_prompt', severity: 'error' },
  'not in choices': { kind: 'full', change: (a) => (a.mixed_precision = 'fp61'), code: 'choice', path: '/args/mixed_precision', severity: 'error' },
  'unknown prediction type': { kind: 'lora', change: (a) => (a.prediction_type = 'sample'), code: 'choice', path: '/args/prediction_type', severity: 'error' },
  'unknown scheduler': { kind: 'full', change: (a) => (a.lr_scheduler = 'cosine_restarts'), code: 'choice', path: '/args/lr_scheduler', severity: 'error' },
  'unknown tracker': { kind: 'full', change: (a) => (a.report_to = 'tensorboard,wandb'), code: 'choice', path: '/args/report_to', severity: 'error' },
  'missing model': {
    kind: 'full',
    change: (a) => delete a.pretrained_model_name_or_path,
    code: 'required',
    path: '/args/pretrained_model_name_or_path',
    severity: 'error',
  },
  'missing instance prompt': {
    kind: 'dreambooth-lora',
    change: (a) => (a.instance_prompt = ''),
    code: 'required',
    path: '/args/instance_prompt',
    severity: 'error',
  },
  'proportion out of range': {
    kind: 'full',
    change: (a) => (a.proportion_empty_prompts = 1.5),
    code: 'range',
    path: '/args/proportion_empty_prompts',
    severity: 'error',
  },
  'zero checkpointing steps': { kind: 'full', change: (a) => (a.checkpointing_steps = 0), code: 'range', path: '/args/checkpointing_steps', severity: 'error' },
  'misspelt argument': { kind: 'full', change: (a) => (a.learnig_rate = 1e-5), code: 'unknown-key', path: '/args/learnig_rate', severity: 'warning' },
  'dashed flag as key': {
    kind: 'full',
    change: (a) => (a['--train-batch-size'] = 2) && delete a.train_batch_size,
    code: 'unknown-key',
    path: '/args/--train-batch-size',
    severity: 'warning',
  },
  'LoRA argument in the full script': { kind: 'full', change: (a) => (a.rank = 4), code: 'wrong-script-arg', path: '/args/rank', severity: 'warning' },
  'full argument in DreamBooth': {
    kind: 'dreambooth-lora',
    change: (a) => (a.use_ema = true),
    code: 'wrong-script-arg',
    path: '/args/use_ema',
    severity: 'warning',
  },
  'misspelt top-level key': { kind: 'lora', change: (_a, d) => (d.nmae = 'x'), code: 'unknown-key', path: '/nmae', severity: 'warning' },
  'argument at top level': { kind: 'lora', change: (_a, d) => (d.seed = 3), code: 'unknown-key', path: '/seed', severity: 'warning' },
  'misspelt launch key': {
    kind: 'lora',
    change: (_a, d) => (d.launch = { pyton: 'python3' }),
    code: 'unknown-key',
    path: '/launch/pyton',
    severity: 'warning',
  },
  'misspelt accelerate option': {
    kind: 'lora',
    change: (_a, d) => (d.launch = { accelerateArgs: { num_proceses: 2 } }),
    code: 'unknown-key',
    path: '/launch/accelerateArgs/num_proceses',
    severity: 'error',
  },
  'wrong accelerate option type': {
    kind: 'lora',
    change: (_a, d) => (d.launch = { accelerateArgs: { num_processes: '2' } }),
    code: 'type',
    path: '/launch/accelerateArgs/num_processes',
    severity: 'error',
  },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`rule fires: ${name}`, () => {
    const t = text(c.kind, c.change);
    const ds = validateConfig(t, { configPath: '/proj/a.sdxl.json' });
    const d = find(ds, c.code, c.path);
    assert.ok(d, `expected ${c.code} at ${c.path}; got ${JSON.stringify(ds.map((x) => [x.code, x.path]))}`);
    assert.equal(d.severity, c.severity);
    assert.ok(d.message.length > 10);
    assert.equal(t.slice(0, d.offset).split('\n').length, d.line, 'line matches offset');
    assert.equal(d.offset - t.lastIndexOf('\n', d.offset - 1), d.column, 'column matches offset');
    if (d.fix) {
      const fixed = applyFix(t, d.fix);
      assert.notEqual(fixed, t, 'the fix changes the text');
      assert.equal(find(validateConfig(fixed, { configPath: '/proj/a.sdxl.json' }), c.code, c.path), undefined, 'the fix resolves it');
    }
  });
}

test('the range of an argument diagnostic covers its value', () => {
  const t = text('lora', (a) => (a.resolution = 1020));
  const d = find(validateConfig(t), 'resolution-multiple-of-8')!;
  assert.equal(t.slice(d.offset, d.offset + d.length), '1020');
  const k = find(validateConfig(text('full', (a) => (a.learnig_rate = 1))), 'unknown-key')!;
  assert.equal(k.fix?.edits[0]?.op, 'rename');
  assert.match(k.message, /did you mean "learning_rate"/);
});

test('a LoRA key in the full script says whose it is', () => {
  const d = find(validateConfig(text('full', (a) => (a.rank = 4))), 'wrong-script-arg')!;
  assert.match(d.message, /LoRA/);
  assert.match(d.message, /full/);
});

test('fp16 VAE fix sets the fp16-fix VAE', () => {
  const d = find(validateConfig(text('full', (a) => delete a.pretrained_vae_model_name_or_path)), 'fp16-stock-vae')!;
  assert.deepEqual(d.fix?.edits, [{ op: 'set', path: '/args/pretrained_vae_model_name_or_path', value: FP16_FIX_VAE }]);
});

test('output_dir with stray checkpoint names, resolved against launch.cwd', () => {
  const asked: string[] = [];
  const listDir = (p: string): string[] => (asked.push(p), ['checkpoint-100', 'checkpoints', 'checkpoint-best', 'logs']);
  const t = text('lora', (a, d) => {
    a.output_dir = 'runs/out';
    a.checkpoints_total_limit = 3;
    d.launch = { cwd: '../work' };
  });
  const d = find(validateConfig(t, { configPath: '/proj/cfg/a.sdxl.json', listDir }), 'output-dir-checkpoint-names')!;
  assert.deepEqual(
    asked.filter((p) => p.endsWith('/out')),
    ['/proj/work/runs/out'],
  );
  assert.equal(d.severity, 'error');
  assert.match(d.message, /"checkpoint-best", "checkpoints"/);
  assert.doesNotMatch(d.message, /checkpoint-100/);
  const w = find(
    validateConfig(
      text('lora', (a) => (a.output_dir = '/abs/out')),
      { configPath: '/x/a.sdxl.json', listDir },
    ),
    'output-dir-checkpoint-names',
  )!;
  assert.equal(w.severity, 'warning', 'no pruning and no resume: it does not crash yet');
  assert.equal(asked.filter((p) => p.endsWith('/out'))[1], '/abs/out');
  // A folder that does not exist, and a relative path with no config location, are not checked.
  assert.equal(find(validateConfig(text('lora'), { configPath: '/x/a.sdxl.json', listDir: () => undefined }), 'output-dir-checkpoint-names'), undefined);
  assert.equal(find(validateConfig(text('lora'), { listDir }), 'output-dir-checkpoint-names'), undefined);
});

test('memory-exceeds-gpu compares with the smallest GPU used', () => {
  const t = text('full', (a) => {
    a.gradient_checkpointing = false;
    a.use_8bit_adam = false;
  });
  const small = [
    { index: 0, name: 'NVIDIA A100-SXM4-80GB', memoryTotalMiB: 81920 },
    { index: 1, name: 'NVIDIA GeForce RTX 4090', memoryTotalMiB: 24564 },
  ];
  const d = find(validateConfig(t, { gpus: small }), 'memory-exceeds-gpu')!;
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /RTX 4090/);
  assert.equal(find(validateConfig(t, { gpus: [{ index: 0, name: 'big', memoryTotalMiB: 200_000 }] }), 'memory-exceeds-gpu'), undefined);
  const onlyBig = text('full', (a, doc) => {
    a.gradient_checkpointing = false;
    doc.launch = { accelerateArgs: { gpu_ids: '0', mixed_precision: 'fp16' } };
  });
  assert.equal(find(validateConfig(onlyBig, { gpus: [{ ...small[0]!, memoryTotalMiB: 200_000 }, small[1]!] }), 'memory-exceeds-gpu'), undefined);
  assert.equal(find(validateConfig(t), 'memory-exceeds-gpu'), undefined, 'no GPU list, no check');
  // A Slurm job runs on the cluster's nodes: this machine's GPUs (a login node's, a laptop's) say nothing about it.
  const onSlurm = text('full', (a, doc) => {
    a.gradient_checkpointing = false;
    doc.launch = { profile: 'slurm', slurm: { gpusPerNode: 1 } };
  });
  assert.equal(find(validateConfig(onSlurm, { gpus: small }), 'memory-exceeds-gpu'), undefined);
  assert.equal(runsOnLocalGpus(JSON.parse(onSlurm) as SdxlConfig), false);
  assert.equal(runsOnLocalGpus({ script: 'lora', args: {}, launch: { profile: 'multi-gpu' } } as SdxlConfig), true);
});

test('bad input gives clear diagnostics, not exceptions', () => {
  const broken = '{\n  "script": "lora",\n  "args": { "rank": 4,, }\n';
  const j = validateConfig(broken).filter((d) => d.code === 'json');
  assert.ok(j.length > 0);
  assert.equal(j[0]!.line, 3);
  assert.equal(find(validateConfig('{"script": "sdxl", "args": {}}'), 'config-shape', '/script')?.severity, 'error');
  assert.ok(find(validateConfig('[1, 2]'), 'config-shape'));
  assert.ok(find(validateConfig(''), 'json'));
  assert.ok(find(validateConfig('{"script": "lora", "args": []}'), 'config-shape', '/args'));
  const big = '{"script": "lora", "args": {"x": "' + 'a'.repeat(50 * 1024 * 1024) + '"}}';
  const started = Date.now();
  const bigDs = validateConfig(big);
  assert.equal(bigDs.length, 1);
  assert.match(bigDs[0]!.message, /MB/);
  assert.ok(Date.now() - started < 2000, 'a huge file is refused quickly');
  const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  const junkDs = validateConfig(junk);
  assert.ok(junkDs.length > 0 && junkDs.length <= 21, `syntax errors are capped (${junkDs.length})`);
  // Quotes, newlines and non-ASCII in values: positions stay right (UTF-16 offsets).
  const odd = text('dreambooth-lora', (a) => {
    a.instance_prompt = 'ein "Foto" von\nsks 🐕 Hund';
    a.resolution = 1001;
  });
  const d = find(validateConfig(odd), 'resolution-multiple-of-8')!;
  assert.equal(odd.slice(d.offset, d.offset + d.length), '1001');
  assert.equal(find(validateConfig(odd), 'required'), undefined);
  assert.ok(find(validateConfig('{"script": "lora", "launch": 5, "args": {"rank": {"a": 1}}}'), 'type', '/launch'));
});

test('every argument of every script type-checks its own default cleanly', () => {
  for (const kind of Object.keys(SCRIPTS) as ScriptKind[]) {
    const args: Args = { ...CLEAN[kind].args };
    for (const spec of SCRIPTS[kind].args) if (spec.default !== null && !(spec.dest in args)) args[spec.dest] = spec.default;
    const ds = validateConfig(JSON.stringify({ script: kind, args })).filter((d) => ['type', 'choice', 'range', 'unknown-key'].includes(d.code));
    assert.deepEqual(
      ds.map((d) => d.path),
      [],
      kind,
    );
  }
});

test('the push_to_hub warning says what the upload holds and what to do today', () => {
  const message = (change: (a: Args) => void): string => {
    const d = find(
      validateConfig(
        text('lora', (a) => {
          a.push_to_hub = true;
          change(a);
        }),
      ),
      'push-to-hub',
    );
    assert.ok(d, 'push-to-hub warning');
    return d.message;
  };
  const plain = message(() => {});
  // No pointer to a publish command the extension does not have.
  assert.doesNotMatch(plain, /from the extension|publish command/i);
  assert.match(plain, /whole output_dir/);
  assert.match(plain, /every checkpoint-\* folder/);
  assert.match(plain, /optimizer states/);
  assert.match(plain, /logs\//);
  assert.match(plain, /checkpoints_total_limit/);
  assert.match(plain, /upload them yourself/);
  assert.match(
    message((a) => (a.checkpoints_total_limit = 2)),
    /the last 2 checkpoint-\* folders/,
  );
  assert.match(
    message((a) => (a.logging_dir = 'tb')),
    / and tb\//,
  );
  assert.doesNotMatch(
    message((a) => (a.logging_dir = '/var/tb')),
    /tb\//,
  ); // an absolute logging_dir is not in output_dir
});

test('training image folders are checked on disk: missing, empty, other files; class_data_dir is created by the script', () => {
  const disk: Record<string, string[]> = {
    '/proj/work/dog': ['01.png', '02.JPG'],
    '/proj/work/empty': [],
    '/proj/work/mixed': ['01.png', '.DS_Store', 'captions'],
  };
  const listDir = (p: string) => disk[p];
  const ctx = { configPath: '/proj/a.sdxl.json', listDir };
  const db = (change: (a: Args) => void) =>
    text('dreambooth-lora', (a, d) => {
      d.launch = { cwd: 'work' };
      change(a);
    });
  // The real run's case: a folder that is not there is an error on the argument (the script only finds out after loading the models).
  const missing = find(
    validateConfig(
      db((a) => (a.instance_data_dir = 'nope')),
      ctx,
    ),
    'data-dir-missing',
    '/args/instance_data_dir',
  )!;
  assert.equal(missing.severity, 'error');
  assert.match(missing.message, /instance_data_dir \/proj\/work\/nope does not exist/);
  assert.equal(missing.line, 5, 'placed on the argument, not line 1');
  const empty = find(
    validateConfig(
      db((a) => (a.instance_data_dir = 'empty')),
      ctx,
    ),
    'data-dir-no-images',
    '/args/instance_data_dir',
  )!;
  assert.match(empty.message, /holds no images/);
  const mixed = find(
    validateConfig(
      db((a) => (a.instance_data_dir = 'mixed')),
      ctx,
    ),
    'data-dir-other-files',
  )!;
  assert.equal(mixed.severity, 'warning');
  assert.match(mixed.message, /"\.DS_Store", "captions"/);
  assert.deepEqual(
    validateConfig(
      db((a) => (a.instance_data_dir = '/proj/work/dog')),
      ctx,
    ).filter((d) => d.code.startsWith('data-dir')),
    [],
  );
  // A Hub dataset instead of a folder: nothing on disk to check.
  assert.equal(
    find(
      validateConfig(
        db((a) => {
          a.instance_data_dir = null;
          a.dataset_name = 'user/dogs';
        }),
        ctx,
      ),
      'data-dir-missing',
    ),
    undefined,
  );
  const cls = find(
    validateConfig(
      db((a) => {
        a.instance_data_dir = 'dog';
        a.with_prior_preservation = true;
        a.class_data_dir = 'cls';
        a.class_prompt = 'a dog';
      }),
      ctx,
    ),
    'class-dir-missing',
  )!;
  assert.equal(cls.severity, 'info');
  assert.match(cls.message, /creates it and first generates num_class_images class images/);
  const lora = find(
    validateConfig(
      text('lora', (a) => (a.train_data_dir = '/nowhere')),
      ctx,
    ),
    'data-dir-missing',
    '/args/train_data_dir',
  )!;
  assert.equal(lora.severity, 'error');
  assert.equal(
    find(
      validateConfig(
        text('lora', (a) => (a.train_data_dir = '/proj/work/empty')),
        ctx,
      ),
      'data-dir-no-images',
    )?.severity,
    'error',
  );
});
