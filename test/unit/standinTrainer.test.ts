// Checks that the stand-in trainer fixture (test/fixtures/trainer) and the fake `accelerate` / `nvidia-smi`
// (test/fixtures/fake-bin) follow the scripts' formats as docs/worker-formats.md gives them, not any parser of ours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const ROOT = repoRoot();
const FAKE_BIN = join(ROOT, 'test', 'fixtures', 'fake-bin');
const TRAINER_DIR = join(ROOT, 'test', 'fixtures', 'trainer');
const SCRIPT = { full: 'train_text_to_image_sdxl.py', lora: 'train_text_to_image_lora_sdxl.py', dreambooth: 'train_dreambooth_lora_sdxl.py' };

const work = mkdtempSync(join(tmpdir(), 'standin-test-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** A tiny imagefolder dataset: n PNGs plus metadata.jsonl with the given caption key (none → no metadata). */
function dataset(n: number, captionKey: string | null = 'text'): string {
  const dir = mkdtempSync(join(work, 'data-'));
  const png = Buffer.from(
    '89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0f01f0005000201e2213bc20000000049454e44ae426082',
    'hex',
  );
  const meta: string[] = [];
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, `${i}.png`), png);
    if (captionKey) meta.push(JSON.stringify({ file_name: `${i}.png`, [captionKey]: `caption ${i}` }));
  }
  if (captionKey) writeFileSync(join(dir, 'metadata.jsonl'), meta.join('\n') + '\n');
  return dir;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cwd: string;
}

function baseEnv(extra: Record<string, string>, cwd: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: FAKE_BIN + delimiter + (process.env.PATH ?? ''),
    SDXL_STANDIN_TRAINER: '1',
    STANDIN_STEP_SECONDS: '0.005',
    STANDIN_PRECOMPUTE_SECONDS: '0.01',
    STANDIN_VALIDATION_SECONDS: '0.01',
    STANDIN_IMAGE_SIZE: '16',
    FAKE_GPU_STATE_DIR: join(cwd, 'gpu-state'),
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

function launch(script: string, args: string[], extra: Record<string, string> = {}, launcherArgs: string[] = []): Run {
  const cwd = mkdtempSync(join(work, 'run-'));
  const r = spawnSync('accelerate', ['launch', ...launcherArgs, script, ...args], {
    cwd,
    env: baseEnv(extra, cwd),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** Physical segments of the console, split on both '\r' and '\n' as docs/worker-formats.md#streams says. */
const segments = (s: string): string[] => s.split(/[\r\n]/);
const RANK = String.raw`(?:\[RANK \d+\] )?`;
const STAMP = String.raw`\d\d/\d\d/\d{4} \d\d:\d\d:\d\d`;
const record = (name: string, msg: string): RegExp => new RegExp(`${STAMP} - INFO - ${name} - ${RANK}${msg}`);
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The progress bar's default format (docs/worker-formats.md#progress-bar), with tqdm's number formatting for the postfix. */
const NUM = String.raw`(?:nan|-?\d+(?:\.\d+)?(?:e[-+]\d+)?)`;
const STEPS_BAR = new RegExp(
  String.raw`^Steps: +\d+%\|[█▏▎▍▌▋▊▉ ]{10}\| (\d+)/(\d+) \[(\d\d:)?\d\d:\d\d<(?:(\d+:)?\d\d:\d\d|\?), +(?:\d+\.\d\d(?:it/s|s/it)|\?it/s)(?:, ([^\]]*))?\]`,
);

function stepsBars(stderr: string): RegExpMatchArray[] {
  return segments(stderr)
    .filter((s) => s.startsWith('Steps:'))
    .map((s) => {
      const m = STEPS_BAR.exec(s);
      assert.ok(m, `bar segment does not follow the tqdm format: ${JSON.stringify(s)}`);
      return m;
    });
}

function listTree(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? [`${prefix}${name}/`, ...listTree(p, `${prefix}${name}/`)] : [`${prefix}${name}`];
    });
}

/** Reads an events file's TFRecord framing with Python (masked CRC-32C, docs/worker-formats.md#tfrecord) and returns [tag, step, kind] rows. */
function readEvents(path: string): { records: number; rows: [string, number, string][] } {
  const py = `
import struct, sys
sys.path.insert(0, ${JSON.stringify(TRAINER_DIR)})
from tfevents import masked_crc32c
data = open(sys.argv[1], 'rb').read()
pos, rows, records = 0, [], 0
def varint(b, i):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80: return v, i
def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i); f, w = key >> 3, key & 7
        if w == 0: v, i = varint(b, i)
        elif w == 1: v = b[i:i+8]; i += 8
        elif w == 5: v = b[i:i+4]; i += 4
        else: n, i = varint(b, i); v = b[i:i+n]; i += n
        yield f, w, v
while pos < len(data):
    (length,) = struct.unpack('<Q', data[pos:pos+8])
    assert struct.unpack('<I', data[pos+8:pos+12])[0] == masked_crc32c(data[pos:pos+8]), 'length crc'
    payload = data[pos+12:pos+12+length]
    assert struct.unpack('<I', data[pos+12+length:pos+16+length])[0] == masked_crc32c(payload), 'payload crc'
    pos += 16 + length; records += 1
    step = 0
    for f, w, v in fields(payload):
        if f == 2: step = v
    for f, w, v in fields(payload):
        if f == 5:
            for _, _, value in fields(v):
                tag, kind = '', ''
                for vf, vw, vv in fields(value):
                    if vf == 1: tag = vv.decode()
                    elif vf == 2: kind = 'scalar'
                    elif vf == 4: kind = 'image'
                    elif vf == 9: kind = kind or 'meta'
                rows.append([tag, step, kind])
print(__import__('json').dumps({'records': records, 'rows': rows}))
`;
  const r = spawnSync('python3', ['-c', py, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { records: number; rows: [string, number, string][] };
}

function eventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('events.out.tfevents.'))
    .map((n) => join(dir, n));
}

/** The first events file of dir (sorted by name, as readdir gives them here); fails the test when there is none. */
function firstEventFile(dir: string): string {
  const [first] = eventFiles(dir);
  assert.ok(first, `no events file in ${dir}`);
  return first;
}

test('full script: phases, banner, bar format, checkpoint and validation records, output_dir, events', () => {
  const data = dataset(10);
  const r = launch(SCRIPT.full, [
    '--pretrained_model_name_or_path',
    'stabilityai/stable-diffusion-xl-base-1.0',
    '--train_data_dir',
    data,
    '--train_batch_size',
    '2',
    '--max_train_steps',
    '7',
    '--checkpointing_steps',
    '3',
    '--validation_prompt',
    'a cat',
    '--output_dir',
    'out',
    '--mixed_precision',
    'fp16',
    '--learning_rate',
    '1e-06',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const err = r.stderr;
  // Launcher: the launcher's warning, tab-indented defaults
  assert.match(
    err,
    /^The following values were not passed to `accelerate launch` and had defaults used instead:\n\t`--num_processes` was set to a value of `1`\n/,
  );
  // Launcher: accelerator state: one record, blank line before the mixed precision line
  assert.match(
    err,
    new RegExp(
      `${STAMP} - INFO - __main__ - \\[RANK 0\\] Distributed environment: (?:DistributedType\\.)?NO\\nNum processes: 1\\nProcess index: 0\\nLocal process index: 0\\nDevice: cuda\\n\\nMixed precision type: fp16\\n`,
    ),
  );
  // Progress bar: two Map bars before the banner
  const mapBars = segments(err).filter((s) => /^Map: 100%\|█{10}\| 10\/10 \[\d\d:\d\d<00:00, +[\d.]+ examples\/s\]$/.test(s));
  assert.ok(mapBars.length >= 2, 'two Map bars at 100%');
  assert.ok(err.indexOf('Map:') < err.indexOf('***** Running training *****'));
  // Banner:, each line a record, in order
  const banner = [
    '\\*\\*\\*\\*\\* Running training \\*\\*\\*\\*\\*',
    '  Num examples = 10',
    '  Num Epochs = 2',
    '  Instantaneous batch size per device = 2',
    esc('  Total train batch size (w. parallel, distributed & accumulation) = 2'),
    '  Gradient Accumulation steps = 1',
    '  Total optimization steps = 7',
  ];
  let at = 0;
  for (const line of banner) {
    const m = record('__main__', line + '\n').exec(err.slice(at));
    assert.ok(m, `banner line ${line}`);
    at += m.index + m[0].length;
  }
  // Progress bar: total 7, first draw ?it/s, postfix sorted lr then step_loss with format_num
  const bars = stepsBars(err);
  assert.equal(bars[0]?.[1], '0');
  assert.ok(bars.every((m) => m[2] === '7'));
  assert.ok(segments(err).some((s) => s.startsWith('Steps:   0%|          | 0/7 [00:00<?, ?it/s]')));
  const withPostfix = bars.filter((m) => m[5]);
  assert.ok(withPostfix.length >= 7);
  for (const m of withPostfix) assert.match(m[5] ?? '', new RegExp(`^lr=1e-6, step_loss=${NUM}$`));
  assert.equal(bars.at(-1)![1], '7');
  // Checkpoint lines: the sequence glued onto the bar line (not at a line start), then the records in order
  const ck = [
    record('accelerate.accelerator', esc('Saving current state to out/checkpoint-3')),
    /Configuration saved in out\/checkpoint-3\/unet\/config\.json\n/,
    /Model weights saved in out\/checkpoint-3\/unet\/diffusion_pytorch_model\.safetensors\n/,
    record('accelerate.checkpointing', esc('Optimizer state saved in out/checkpoint-3/optimizer.bin')),
    record('accelerate.checkpointing', esc('Scheduler state saved in out/checkpoint-3/scheduler.bin')),
    record('accelerate.checkpointing', esc('Sampler state for dataloader 0 saved in out/checkpoint-3/sampler.bin')),
    record('accelerate.checkpointing', esc('Gradient scaler state saved in out/checkpoint-3/scaler.pt')),
    record('accelerate.checkpointing', esc('Random states saved in out/checkpoint-3/random_states_0.pkl')),
    record('__main__', esc('Saved state to out/checkpoint-3')),
  ];
  at = 0;
  for (const re of ck) {
    const m = re.exec(err.slice(at));
    assert.ok(m, `checkpoint record ${re}`);
    at += m.index + m[0].length;
  }
  assert.match(err, new RegExp(`\\]${STAMP} - INFO - accelerate\\.accelerator - \\[RANK 0\\] Saving current state to out/checkpoint-3`));
  // Validation lines: one record with an embedded newline, after epochs 0 and 1
  const val = err.match(new RegExp(`${STAMP} - INFO - __main__ - ${RANK}Running validation\\.\\.\\. \\n Generating 4 images with prompt: a cat\\.\\n`, 'g'));
  assert.equal(val?.length, 2);
  // Progress bar: final test inference bars without desc, one per image
  assert.equal(segments(err).filter((s) => /^100%\|█{10}\| 25\/25 \[/.test(s)).length, 4);
  // Output folder: layout
  const out = join(r.cwd, 'out');
  const tree = listTree(out);
  for (const p of [
    'checkpoint-3/',
    'checkpoint-6/',
    'model_index.json',
    'scheduler/scheduler_config.json',
    'text_encoder/',
    'text_encoder_2/',
    'tokenizer/',
    'tokenizer_2/',
    'unet/config.json',
    'unet/diffusion_pytorch_model.safetensors',
    'vae/',
    'logs/text2image-fine-tune-sdxl/',
  ]) {
    assert.ok(tree.includes(p), `output_dir has ${p}`);
  }
  assert.ok(!tree.includes('checkpoint-7/'), 'no checkpoint at the end unless a multiple');
  assert.deepEqual(listTree(join(out, 'checkpoint-6')), [
    'optimizer.bin',
    'random_states_0.pkl',
    'scaler.pt',
    'scheduler.bin',
    'unet/',
    'unet/config.json',
    'unet/diffusion_pytorch_model.safetensors',
  ]);
  // safetensors framing: u64 header length + JSON header
  const st = readFileSync(join(out, 'unet', 'diffusion_pytorch_model.safetensors'));
  const headerLen = Number(st.readBigUInt64LE(0));
  assert.ok(JSON.parse(st.subarray(8, 8 + headerLen).toString()).__metadata__);
  // Event files: main events file with train_loss at steps 1..7 and validation/test images at the 0-based epoch
  const runDir = join(out, 'logs', 'text2image-fine-tune-sdxl');
  const main = firstEventFile(runDir);
  assert.match(main, /events\.out\.tfevents\.\d{10}\.[^.]+.*\.\d+\.0$/);
  const ev = readEvents(main);
  assert.deepEqual(
    ev.rows.filter((x) => x[0] === 'train_loss').map((x) => x[1]),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(ev.rows.filter((x) => x[0] === 'train_loss').every((x) => x[2] === 'scalar'));
  assert.deepEqual(
    ev.rows.filter((x) => x[2] === 'image').map((x) => `${x[0]}@${x[1]}`),
    ['validation@0', 'validation@1', 'test@1'],
  );
  const subdirs = readdirSync(runDir).filter((n) => statSync(join(runDir, n)).isDirectory());
  assert.equal(subdirs.length, 2, 'hparams events subdir and hparams.yml subdir');
  const yml = subdirs.map((d) => join(runDir, d, 'hparams.yml')).find((p) => existsSync(p));
  assert.ok(yml);
  assert.match(readFileSync(yml, 'utf8'), /^max_train_steps: 7$/m);
  const hp = subdirs.map((d) => join(runDir, d)).find((d) => eventFiles(d).length === 1)!;
  assert.deepEqual(
    readEvents(firstEventFile(hp)).rows.map((x) => x[0]),
    ['_hparams_/experiment', '_hparams_/session_start_info', '_hparams_/session_end_info'],
  );
});

test('lora script: LoRA weights in checkpoints and output_dir, project text2image-fine-tune, default output_dir', () => {
  const data = dataset(4);
  const r = launch(
    SCRIPT.lora,
    [
      '--pretrained_model_name_or_path',
      'm',
      '--train_data_dir',
      data,
      '--train_batch_size',
      '1',
      '--max_train_steps',
      '4',
      '--checkpointing_steps',
      '2',
      '--gradient_accumulation_steps',
      '2',
    ],
    {},
    ['--num_processes', '1', '--num_machines', '1', '--mixed_precision', 'no', '--dynamo_backend', 'no'],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /were not passed to `accelerate launch`/);
  assert.doesNotMatch(r.stderr, /Map:/, 'the LoRA script has no pre-compute');
  const out = join(r.cwd, 'sd-model-finetuned-lora');
  assert.deepEqual(listTree(join(out, 'checkpoint-2')), ['optimizer.bin', 'pytorch_lora_weights.safetensors', 'random_states_0.pkl', 'scheduler.bin']);
  assert.ok(existsSync(join(out, 'pytorch_lora_weights.safetensors')));
  assert.ok(!existsSync(join(out, 'model_index.json')));
  assert.match(r.stderr, /\nModel weights saved in sd-model-finetuned-lora\/checkpoint-2\/pytorch_lora_weights\.safetensors\n/);
  // 4 examples, batch 1, accumulation 2 → 2 updates per epoch, 2 epochs; train_loss per optimizer update
  assert.match(r.stderr, record('__main__', '  Num Epochs = 2'));
  const ev = readEvents(firstEventFile(join(out, 'logs', 'text2image-fine-tune')));
  assert.deepEqual(
    ev.rows.filter((x) => x[0] === 'train_loss').map((x) => x[1]),
    [1, 2, 3, 4],
  );
});

test('dreambooth-lora: postfix loss/lr, extra banner line, loss and lr scalars per micro-step, lr warmup', () => {
  const data = dataset(3, null);
  const r = launch(SCRIPT.dreambooth, [
    '--pretrained_model_name_or_path',
    'm',
    '--instance_data_dir',
    data,
    '--instance_prompt',
    'sks dog',
    '--train_batch_size',
    '1',
    '--max_train_steps',
    '6',
    '--checkpointing_steps',
    '100',
    '--lr_scheduler',
    'constant_with_warmup',
    '--lr_warmup_steps',
    '2',
    '--learning_rate',
    '1e-4',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, record('__main__', '  Num batches each epoch = 3\n'));
  const post = stepsBars(r.stderr)
    .map((m) => m[5])
    .filter((p): p is string => !!p);
  for (const p of post) assert.match(p, new RegExp(`^loss=${NUM}, lr=${NUM}$`));
  assert.ok(
    post.some((p) => p.endsWith('lr=5e-5')),
    'warmup value half-way',
  );
  assert.ok(post.at(-1)!.endsWith('lr=0.0001'));
  const out = join(r.cwd, 'lora-dreambooth-model');
  assert.ok(existsSync(join(out, 'pytorch_lora_weights.safetensors')));
  const ev = readEvents(firstEventFile(join(out, 'logs', 'dreambooth-lora-sd-xl')));
  assert.equal(ev.rows.filter((x) => x[0] === 'loss').length, 6);
  assert.equal(ev.rows.filter((x) => x[0] === 'lr').length, 6);
  assert.equal(ev.rows.filter((x) => x[0] === 'train_loss').length, 0);
});

test('dreambooth-lora validation: the pipeline loads before "Running validation...", at the epoch end and for the test images', () => {
  // As the real v0.27.2 script prints it (test/real/fullRun.real.ts compares the two): the pipeline is built, then
  // log_validation logs. The final one comes after the weights are saved.
  const data = dataset(2, null);
  const r = launch(SCRIPT.dreambooth, [
    '--pretrained_model_name_or_path',
    'm',
    '--instance_data_dir',
    data,
    '--instance_prompt',
    'sks dog',
    '--train_batch_size',
    '1',
    '--max_train_steps',
    '2',
    '--checkpointing_steps',
    '100',
    '--validation_prompt',
    'sks dog',
    '--num_validation_images',
    '1',
    '--validation_epochs',
    '1',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const order = segments(r.stderr.replace(/\x1b\[A/g, '')).flatMap((s) =>
    s.startsWith('Loading pipeline components...: 100%')
      ? ['load']
      : /Running validation\.\.\. $/.test(s)
        ? ['validate']
        : /^Model weights saved in \S*pytorch_lora_weights/.test(s) && !s.includes('checkpoint-')
          ? ['weights']
          : [],
  );
  assert.deepEqual(order, ['load', 'validate', 'weights', 'load', 'validate']);
});

test('argparse and parse_args checks: real messages, child exit 2 → CalledProcessError', () => {
  const missing = launch(SCRIPT.full, ['--train_data_dir', 'x']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^usage: train_text_to_image_sdxl\.py \[-h\] --pretrained_model_name_or_path\s+PRETRAINED_MODEL_NAME_OR_PATH/m);
  assert.match(missing.stderr, /train_text_to_image_sdxl\.py: error: the following arguments are required: --pretrained_model_name_or_path\n/);
  assert.match(
    missing.stderr,
    /subprocess\.CalledProcessError: Command '\[.*'train_text_to_image_sdxl\.py', '--train_data_dir', 'x'\]' returned non-zero exit status 2\.\n$/,
  );
  const choice = launch(SCRIPT.lora, ['--pretrained_model_name_or_path', 'm', '--mixed_precision', 'fp32']);
  assert.match(choice.stderr, /error: argument --mixed_precision: invalid choice: 'fp32' \(choose from 'no', 'fp16', 'bf16'\)/);
  const injected = launch(SCRIPT.lora, ['--pretrained_model_name_or_path', 'm', '--train_data_dir', 'x'], { STANDIN_FAIL: 'argparse' });
  assert.match(injected.stderr, /error: unrecognized arguments: --standin_unknown_arg/);
  const noData = launch(SCRIPT.full, ['--pretrained_model_name_or_path', 'm']);
  assert.match(noData.stderr, /\nValueError: Need either a dataset name or a training folder\.\n/);
  assert.match(noData.stderr, /returned non-zero exit status 1\.\n$/);
  const db = launch(SCRIPT.dreambooth, ['--pretrained_model_name_or_path', 'm', '--instance_prompt', 'x']);
  assert.match(db.stderr, /ValueError: Specify either `--dataset_name` or `--instance_data_dir`\n/);
  const quiet = launch(SCRIPT.full, ['--pretrained_model_name_or_path', 'm'], {}, ['-q']);
  assert.equal(quiet.code, 1);
  assert.doesNotMatch(quiet.stderr, /CalledProcessError|were not passed/);
});

const FAILURES: { name: string; script: keyof typeof SCRIPT; args?: string[]; env: Record<string, string>; last: RegExp; killed?: string }[] = [
  {
    name: 'cuda_oom',
    script: 'full',
    env: { STANDIN_FAIL: 'cuda_oom', STANDIN_FAIL_AT_STEP: '2', FAKE_GPU_MEMORY_MIB: '81559' },
    last: /torch\.OutOfMemoryError: CUDA out of memory\. Tried to allocate [\d.]+ MiB\. GPU 0 has a total capacity of 79\.65 GiB of which [\d.]+ MiB is free\./,
  },
  { name: 'host_oom_killed', script: 'full', env: { STANDIN_FAIL: 'host_oom_killed' }, last: /died with <Signals\.SIGKILL: 9>\.\n$/, killed: 'SIGKILL' },
  {
    name: 'missing xformers',
    script: 'full',
    args: ['--enable_xformers_memory_efficient_attention'],
    env: { STANDIN_FAIL: 'missing_package' },
    last: /\nValueError: xformers is not available\. Make sure it is installed correctly\n/,
  },
  {
    name: 'missing bitsandbytes',
    script: 'lora',
    args: ['--use_8bit_adam'],
    env: { STANDIN_MISSING: 'bitsandbytes' },
    last: /\nImportError: To use 8-bit Adam, please install the bitsandbytes library: `pip install bitsandbytes`\.\n/,
  },
  {
    name: 'missing wandb',
    script: 'full',
    args: ['--report_to', 'wandb'],
    env: { STANDIN_FAIL: 'missing_package' },
    last: /\nImportError: Make sure to install wandb if you want to use it for logging during training\.\n/,
  },
  {
    name: 'dataset_columns',
    script: 'full',
    env: { STANDIN_FAIL: 'dataset_columns' },
    last: /\nValueError: --caption_column' value 'text' needs to be one of: image\n/,
  },
  {
    name: 'diffusers_version',
    script: 'lora',
    env: { STANDIN_FAIL: 'diffusers_version' },
    last: /\nImportError: This example requires a source install from HuggingFace diffusers \(see `https:\/\/huggingface\.co\/docs\/diffusers\/installation#install-from-source`\), but the version found is 0\.35\.1\.\n/,
  },
  {
    name: 'hub_auth',
    script: 'full',
    args: ['--push_to_hub'],
    env: { STANDIN_FAIL: 'hub_auth' },
    last: /\nhuggingface_hub\.errors\.HfHubHTTPError: 401 Client Error: Unauthorized for url: https:\/\/huggingface\.co\/api\/repos\/create/,
  },
  { name: 'disk_full', script: 'full', env: { STANDIN_FAIL: 'disk_full' }, last: /\nOSError: \[Errno 28\] No space left on device\n/ },
  {
    name: 'distributed',
    script: 'lora',
    env: { STANDIN_FAIL: 'distributed', STANDIN_NCCL_TIMEOUT_SECONDS: '0' },
    last: /Watchdog caught collective operation timeout: WorkNCCL\(/,
    killed: 'SIGABRT',
  },
  {
    name: 'timestep bias multiplier',
    script: 'full',
    args: ['--timestep_bias_strategy', 'later', '--timestep_bias_multiplier', '0'],
    env: {},
    last: /\nAttributeError: 'ValueError' object has no attribute 'to'\n/,
  },
  {
    name: 'bad lr scheduler',
    script: 'full',
    args: ['--lr_scheduler', 'cosine_warm'],
    env: {},
    last: /\nValueError: 'cosine_warm' is not a valid SchedulerType\n/,
  },
  {
    name: 'bad report_to',
    script: 'lora',
    args: ['--report_to', 'tensorboard,wandb'],
    env: {},
    last: /\nValueError: Unsupported logging capability: tensorboard,wandb\. Choose between \[/,
  },
];

for (const f of FAILURES) {
  test(`failure class ${f.name}: real message, launcher traceback, exit 1`, () => {
    const data = dataset(6);
    const r = launch(
      SCRIPT[f.script],
      [
        '--pretrained_model_name_or_path',
        'm',
        '--train_data_dir',
        data,
        '--train_batch_size',
        '1',
        '--max_train_steps',
        '4',
        '--checkpointing_steps',
        '2',
        '--output_dir',
        'out',
        ...(f.args ?? []),
      ],
      f.env,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, f.last);
    if (f.killed) assert.match(r.stderr, new RegExp(`died with <Signals\\.${f.killed}: \\d+>\\.\\n$`));
    else assert.match(r.stderr, /\nsubprocess\.CalledProcessError: Command '\[.*\]' returned non-zero exit status 1\.\n$/);
    if (f.name !== 'diffusers_version' && !f.killed) {
      assert.match(r.stderr, new RegExp(`File "${esc(SCRIPT[f.script])}", line \\d+, in (?:main|<module>)`));
    }
    if (f.name === 'host_oom_killed') assert.doesNotMatch(r.stderr, /Traceback[^]*Traceback/, 'only the launcher traceback');
    if (f.name === 'disk_full') {
      const ck = listTree(join(r.cwd, 'out', 'checkpoint-2'));
      assert.ok(ck.includes('unet/config.json') && !ck.includes('scheduler.bin'), 'half-written checkpoint');
    }
  });
}

test('nan_loss keeps running with step_loss=nan; tensorboard missing → no logs dir', () => {
  const data = dataset(4);
  const r = launch(
    SCRIPT.full,
    ['--pretrained_model_name_or_path', 'm', '--train_data_dir', data, '--train_batch_size', '1', '--max_train_steps', '4', '--output_dir', 'out'],
    { STANDIN_FAIL: 'nan_loss', STANDIN_FAIL_AT_STEP: '3', STANDIN_MISSING: 'tensorboard' },
  );
  assert.equal(r.code, 0, r.stderr);
  const post = stepsBars(r.stderr).filter((m) => m[5]);
  assert.match(post.at(-1)?.[5] ?? '', /step_loss=nan$/);
  assert.ok(post.some((m) => /step_loss=0\.\d+$/.test(m[5] ?? '')));
  assert.ok(!existsSync(join(r.cwd, 'out', 'logs')));
});

test('resume: latest picks the highest checkpoint even when incomplete; missing explicit folder; none yet', () => {
  const data = dataset(4);
  const common = ['--pretrained_model_name_or_path', 'm', '--train_data_dir', data, '--train_batch_size', '1', '--checkpointing_steps', '2'];
  // a run killed while writing checkpoint-4 leaves it without optimizer.bin etc.
  const killed = launch(SCRIPT.lora, [...common, '--max_train_steps', '6', '--output_dir', join(work, 'resume-out')], { STANDIN_KILL_DURING_CHECKPOINT: '4' });
  assert.match(killed.stderr, /died with <Signals\.SIGKILL: 9>\.\n$/);
  assert.deepEqual(listTree(join(work, 'resume-out', 'checkpoint-4')), ['pytorch_lora_weights.safetensors']);
  const again = launch(SCRIPT.lora, [...common, '--max_train_steps', '6', '--output_dir', join(work, 'resume-out'), '--resume_from_checkpoint', 'latest']);
  assert.equal(again.stdout, 'Resuming from checkpoint checkpoint-4\n');
  assert.match(again.stderr, record('accelerate.accelerator', esc(`Loading states from ${join(work, 'resume-out', 'checkpoint-4')}`)));
  assert.match(again.stderr, /FileNotFoundError: \[Errno 2\] No such file or directory: '.*checkpoint-4\/optimizer\.bin'\n/);
  // a complete one resumes: bar starts at initial=2 with ?it/s, rate from (n - initial)
  const ok = launch(SCRIPT.lora, [...common, '--max_train_steps', '6', '--output_dir', join(work, 'resume-out'), '--resume_from_checkpoint', 'checkpoint-2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, 'Resuming from checkpoint checkpoint-2\n');
  for (const m of [
    'All model weights loaded successfully',
    'All optimizer states loaded successfully',
    'All scheduler states loaded successfully',
    'All dataloader sampler states loaded successfully',
    'All random states loaded successfully',
    'Loading in 0 custom states',
  ]) {
    assert.match(ok.stderr, new RegExp(`${RANK}${m}\\n`));
  }
  assert.ok(segments(ok.stderr).some((s) => s.startsWith('Steps:  33%|███▎      | 2/6 [00:00<?, ?it/s]')));
  const missing = launch(SCRIPT.lora, [...common, '--max_train_steps', '6', '--output_dir', 'fresh', '--resume_from_checkpoint', '/elsewhere/checkpoint-9']);
  assert.equal(missing.stdout, 'Resuming from checkpoint checkpoint-9\n');
  assert.match(missing.stderr, /\nValueError: Tried to find fresh\/checkpoint-9 but folder does not exist\n/);
  const none = launch(SCRIPT.lora, [...common, '--max_train_steps', '2', '--output_dir', 'fresh', '--resume_from_checkpoint', 'latest']);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stdout, "Checkpoint 'latest' does not exist. Starting a new training run.\n");
});

test('checkpoints_total_limit prunes with the script messages', () => {
  const data = dataset(6);
  const r = launch(SCRIPT.full, [
    '--pretrained_model_name_or_path',
    'm',
    '--train_data_dir',
    data,
    '--train_batch_size',
    '1',
    '--max_train_steps',
    '6',
    '--checkpointing_steps',
    '2',
    '--checkpoints_total_limit',
    '2',
    '--output_dir',
    'out',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, record('__main__', '2 checkpoints already exist, removing 1 checkpoints\n'));
  assert.match(r.stderr, record('__main__', 'removing checkpoints: checkpoint-2\n'));
  assert.deepEqual(
    readdirSync(join(r.cwd, 'out'))
      .filter((n) => n.startsWith('checkpoint'))
      .sort(),
    ['checkpoint-4', 'checkpoint-6'],
  );
});

test('report_to wandb: local run folder with one PNG per validation image', () => {
  const data = dataset(2);
  const r = launch(SCRIPT.lora, [
    '--pretrained_model_name_or_path',
    'm',
    '--train_data_dir',
    data,
    '--train_batch_size',
    '1',
    '--max_train_steps',
    '2',
    '--report_to',
    'wandb',
    '--validation_prompt',
    'x',
    '--num_validation_images',
    '2',
    '--output_dir',
    'out',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const runs = readdirSync(join(r.cwd, 'wandb')).filter((n) => /^run-\d{8}_\d{6}-[a-z0-9]{8}$/.test(n));
  const [run] = runs;
  assert.ok(run && runs.length === 1, runs.join());
  const images = readdirSync(join(r.cwd, 'wandb', run, 'files', 'media', 'images'));
  assert.ok(images.length >= 2 && images.every((n) => /^(validation|test)_\d+_[0-9a-f]{20}\.png$/.test(n)), images.join());
  assert.ok(!existsSync(join(r.cwd, 'out', 'logs')));
});

test('multi-process: [RANK n] state records on every rank, NCCL failure → ChildFailedError summary', () => {
  const data = dataset(4);
  const args = ['--pretrained_model_name_or_path', 'm', '--train_data_dir', data, '--train_batch_size', '1', '--max_train_steps', '2', '--output_dir', 'out'];
  const ok = launch(SCRIPT.lora, args, {}, ['--multi_gpu', '--num_processes', '2']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /Setting OMP_NUM_THREADS environment variable for each process to be 1/);
  for (const rank of [0, 1]) {
    assert.match(
      ok.stderr,
      new RegExp(
        `- INFO - __main__ - \\[RANK ${rank}\\] Distributed environment: (?:DistributedType\\.)?MULTI_GPU  Backend: nccl\\nNum processes: 2\\nProcess index: ${rank}\\nLocal process index: ${rank}\\nDevice: cuda:${rank}\\n`,
      ),
    );
  }
  assert.match(ok.stderr, record('__main__', '  Total train batch size \\(w\\. parallel, distributed & accumulation\\) = 2'));
  const old = launch(SCRIPT.lora, args, { STANDIN_ACCELERATE_VERSION: '1.12.0' });
  assert.match(old.stderr, new RegExp(`${STAMP} - INFO - __main__ - \\*\\*\\*\\*\\* Running training`));
  const bad = launch(SCRIPT.lora, args, { STANDIN_FAIL: 'distributed', STANDIN_NCCL_TIMEOUT_SECONDS: '0' }, ['--multi_gpu', '--num_processes', '2']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /torch\.distributed\.elastic\.multiprocessing\.errors\.ChildFailedError: \n={60}\ntrain_text_to_image_lora_sdxl\.py FAILED\n/);
  assert.match(
    bad.stderr,
    /Root Cause \(first observed failure\):\n\[0\]:\n {2}time {6}: .*\n {2}host {6}: .*\n {2}rank {6}: \d \(local_rank: \d\)\n {2}exitcode {2}: -6 \(pid: \d+\)\n/,
  );
});

test('SIGINT: KeyboardInterrupt traceback from the child, launcher reports SIGINT; SIGTERM kills both', async () => {
  const data = dataset(4);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const cwd = mkdtempSync(join(work, 'sig-'));
    const child = spawn(
      'accelerate',
      [
        'launch',
        SCRIPT.full,
        '--pretrained_model_name_or_path',
        'm',
        '--train_data_dir',
        data,
        '--train_batch_size',
        '1',
        '--max_train_steps',
        '1000',
        '--output_dir',
        'out',
      ],
      { cwd, env: baseEnv({ STANDIN_STEP_SECONDS: '0.05' }, cwd) },
    );
    let err = '';
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        if (/step_loss=/.test(err)) resolve();
      }),
    );
    // a GPU process is visible to the fake nvidia-smi while training runs
    const smi = spawnSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { env: baseEnv({}, cwd), encoding: 'utf8' });
    assert.match(smi.stdout, /^\d+, \d+\n$/);
    child.kill(sig);
    const end = await done;
    if (sig === 'SIGINT') {
      assert.equal(end.code, 1);
      assert.match(err, /Traceback \(most recent call last\):\n[^]*\nKeyboardInterrupt\n/);
      assert.match(err, /died with <Signals\.SIGINT: 2>\.\n$/);
    } else {
      assert.equal(end.signal, 'SIGTERM');
      assert.doesNotMatch(err, /Traceback/);
    }
  }
});

test('tqdm number and time formatting (format_num, format_interval, rates) as docs/worker-formats.md#progress-bar gives them', () => {
  const py = `
import sys, json
sys.path.insert(0, ${JSON.stringify(TRAINER_DIR)})
from console import format_num, format_interval, format_meter
print(json.dumps([[format_num(x) for x in (1e-06, 5e-05, 0.0001, 0.0, 0.0921345, float('nan'))],
  [format_interval(t) for t in (65, 3599, 3600, 90061)],
  format_meter(120, 1000, 385.2, prefix='Steps', rate=1 / 3.21, postfix='lr=1e-6, step_loss=0.0921'),
  format_meter(1001, 1000, 10, prefix='Steps', rate=2.0)]))`;
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [nums, times, example, over] = JSON.parse(r.stdout) as [string[], string[], string, string];
  assert.deepEqual(nums, ['1e-6', '5e-5', '0.0001', '0', '0.0921', 'nan']);
  assert.deepEqual(times, ['01:05', '59:59', '1:00:00', '25:01:01']);
  assert.equal(example, 'Steps:  12%|█▏        | 120/1000 [06:25<47:04,  3.21s/it, lr=1e-6, step_loss=0.0921]');
  assert.equal(over, 'Steps: 1001it [00:10,  2.00it/s]');
});

test('fake nvidia-smi: query formats, -L, invalid field, no devices', () => {
  const env = {
    ...process.env,
    FAKE_GPU_COUNT: '2',
    FAKE_GPU_MEMORY_MIB: '81559',
    FAKE_GPU_NAME: 'NVIDIA H100 80GB HBM3',
    FAKE_GPU_STATE_DIR: join(work, 'no-gpu-state'),
  };
  const q = spawnSync(
    join(FAKE_BIN, 'nvidia-smi'),
    ['--query-gpu=index,name,memory.total,memory.used,utilization.gpu,temperature.gpu,power.draw', '--format=csv,noheader,nounits'],
    { env, encoding: 'utf8' },
  );
  assert.equal(q.status, 0);
  assert.deepEqual(
    q.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(', ').slice(0, 3)),
    [
      ['0', 'NVIDIA H100 80GB HBM3', '81559'],
      ['1', 'NVIDIA H100 80GB HBM3', '81559'],
    ],
  );
  const units = spawnSync(join(FAKE_BIN, 'nvidia-smi'), ['--query-gpu=memory.total,power.draw', '--format=csv'], { env, encoding: 'utf8' });
  assert.match(units.stdout, /^memory\.total \[MiB\], power\.draw \[W\]\n81559 MiB, [\d.]+ W\n/);
  assert.match(
    spawnSync(join(FAKE_BIN, 'nvidia-smi'), ['-L'], { env, encoding: 'utf8' }).stdout,
    /^GPU 0: NVIDIA H100 80GB HBM3 \(UUID: GPU-[0-9a-f-]+\)\nGPU 1: /,
  );
  const bad = spawnSync(join(FAKE_BIN, 'nvidia-smi'), ['--query-gpu=index,bogus', '--format=csv'], { env, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stdout, /^Field "bogus" is not a valid field to query\./);
  assert.equal(spawnSync(join(FAKE_BIN, 'nvidia-smi'), ['-L'], { env: { ...env, FAKE_GPU_COUNT: '0' } }).status, 6);
  assert.equal(
    spawnSync(join(FAKE_BIN, 'nvidia-smi'), ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], { env, encoding: 'utf8' }).stdout,
    '',
  );
});

test('fake accelerate: echo mode without SDXL_STANDIN_TRAINER; config default writes JSON once', () => {
  const cwd = mkdtempSync(join(work, 'echo-'));
  const env = { ...process.env, SDXL_STANDIN_TRAINER: '', FAKE_ACCELERATE_ENV: 'X_TEST', X_TEST: 'v', HF_HOME: join(cwd, 'hf') };
  const r = spawnSync(join(FAKE_BIN, 'accelerate'), ['launch', 'train_text_to_image_sdxl.py', '--a', 'b c'], { cwd, env, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(r.stdout), { argv: ['launch', 'train_text_to_image_sdxl.py', '--a', 'b c'], cwd, env: { X_TEST: 'v' } });
  const c1 = spawnSync(join(FAKE_BIN, 'accelerate'), ['config', 'default', '--mixed_precision', 'bf16'], { cwd, env, encoding: 'utf8' });
  const path = join(cwd, 'hf', 'accelerate', 'default_config.yaml');
  assert.equal(c1.stdout, `accelerate configuration saved at ${path}\n`);
  assert.equal((JSON.parse(readFileSync(path, 'utf8')) as { mixed_precision: string }).mixed_precision, 'bf16');
  const c2 = spawnSync(join(FAKE_BIN, 'accelerate'), ['config', 'default'], { cwd, env, encoding: 'utf8' });
  assert.match(c2.stdout, /^Configuration already exists at .*, will not override\./);
});
