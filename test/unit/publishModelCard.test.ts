// The model card a publish writes: front matter the Hub reads (parsed back with a YAML parser), the body's facts, no
// local path and no token anywhere, the same text for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { modelCard, type ModelCardInput } from '../../src/core/publish/modelCard';
import { argsFromArgv } from '../../src/core/launch/planArgs';

// js-yaml comes with ESLint (@eslint/eslintrc) and has no types here: an independent YAML parser, so the front matter
// is read back as the Hub's YAML reader reads it rather than by a parser written to match the writer.
const { load } = createRequire(__filename)('js-yaml') as { load: (text: string) => unknown };

const TOKEN = 'hf_abcdefghijklmnopqrstuvwxyz0123456789';

function frontMatter(card: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(card);
  assert.ok(m, 'front matter at the top');
  return load(m[1]!) as Record<string, unknown>;
}

const argv = [
  'accelerate',
  'launch',
  '/home/me/diffusers/examples/dreambooth/train_dreambooth_lora_sdxl.py',
  '--pretrained_model_name_or_path=stabilityai/stable-diffusion-xl-base-1.0',
  '--pretrained_vae_model_name_or_path=madebyollin/sdxl-vae-fp16-fix',
  '--instance_data_dir=/home/me/data/dog',
  '--instance_prompt=a photo of sks dog',
  '--validation_prompt=a photo of sks dog | in a bucket',
  '--output_dir=/home/me/runs/dog-lora',
  '--resolution=1024',
  '--learning_rate=0.0001',
  '--max_train_steps=500',
  '--rank=8',
  `--hub_token=${TOKEN}`,
];

const dreambooth: ModelCardInput = {
  repoId: 'alice/dog-lora',
  kind: 'dreambooth-lora',
  runName: 'dog lora',
  args: argsFromArgv(argv, 'dreambooth-lora'),
  images: [
    { repoPath: 'images/image_0.png', prompt: 'a photo of sks dog | in a bucket' },
    { repoPath: 'images/image_1.png', prompt: 'a photo of sks dog | in a bucket' },
  ],
  weights: 'final',
  datasetImages: 5,
  secrets: [TOKEN],
};

test('DreamBooth LoRA card: the front matter the Hub reads', () => {
  const card = modelCard(dreambooth);
  const meta = frontMatter(card);
  assert.deepEqual(meta, {
    base_model: 'stabilityai/stable-diffusion-xl-base-1.0',
    library_name: 'diffusers',
    license: 'openrail++',
    instance_prompt: 'a photo of sks dog',
    tags: ['text-to-image', 'diffusers', 'stable-diffusion-xl', 'stable-diffusion-xl-diffusers', 'lora', 'dreambooth', 'template:sd-lora'],
    widget: [
      { text: 'a photo of sks dog | in a bucket', output: { url: 'images/image_0.png' } },
      { text: 'a photo of sks dog | in a bucket', output: { url: 'images/image_1.png' } },
    ],
  });
  assert.equal(frontMatter(modelCard({ ...dreambooth, license: 'mit' })).license, 'mit');
});

test('the body: base model, VAE, dataset, arguments table, usage with load_lora_weights, samples; no path, no token', () => {
  const card = modelCard(dreambooth);
  assert.match(
    card,
    /^- Base model: \[stabilityai\/stable-diffusion-xl-base-1\.0\]\(https:\/\/huggingface\.co\/stabilityai\/stable-diffusion-xl-base-1\.0\)$/m,
  );
  assert.match(card, /^- VAE: \[madebyollin\/sdxl-vae-fp16-fix\]/m);
  assert.match(card, /^- Dataset: a local dataset of 5 images$/m);
  assert.match(card, /^\| `instance_data_dir` \| local \|$/m);
  assert.match(card, /^\| `output_dir` \| local \|$/m);
  assert.match(card, /^\| `learning_rate` \| 0\.0001 \|$/m);
  assert.match(card, /^\| `validation_prompt` \| a photo of sks dog \\\| in a bucket \|$/m);
  assert.match(card, /^\| `hub_token` \| (\*\*\*|hf_…6789) \|$/m);
  assert.match(card, /pipeline\.load_lora_weights\("alice\/dog-lora", weight_name="pytorch_lora_weights\.safetensors"\)/);
  assert.match(card, /AutoencoderKL\.from_pretrained\("madebyollin\/sdxl-vae-fp16-fix"/);
  assert.match(card, /^!\[a photo of sks dog \\\| in a bucket\]\(images\/image_0\.png\)$/m);
  assert.doesNotMatch(card, /\/home\/me/);
  assert.ok(!card.includes(TOKEN));
  assert.ok(!card.includes(TOKEN.slice(3, 20)));
  assert.equal(modelCard(dreambooth), card, 'deterministic');
});

test('a full fine-tune from a local base model and a Hub dataset; a token in a prompt is masked', () => {
  const card = modelCard({
    repoId: 'org/sdxl-ft',
    kind: 'full',
    runName: 'ft',
    args: argsFromArgv(
      [
        'python',
        'train_text_to_image_sdxl.py',
        '--pretrained_model_name_or_path=/models/sdxl',
        '--dataset_name=lambdalabs/naruto-blip-captions',
        `--validation_prompt=ninja ${TOKEN}`,
        '--output_dir=out',
      ],
      'full',
    ),
    images: [],
    weights: 'final',
  });
  const meta = frontMatter(card);
  assert.equal(meta.base_model, undefined, 'a local base model is no base_model');
  assert.deepEqual(meta.tags, ['text-to-image', 'diffusers', 'stable-diffusion-xl', 'stable-diffusion-xl-diffusers']);
  assert.equal(meta.widget, undefined);
  assert.match(card, /^- Base model: a local model$/m);
  assert.match(card, /^- Dataset: the Hub dataset \[lambdalabs\/naruto-blip-captions\]/m);
  assert.match(card, /DiffusionPipeline\.from_pretrained\("org\/sdxl-ft"/);
  assert.match(card, /^\| `pretrained_model_name_or_path` \| local \|$/m);
  assert.match(card, /^\| `output_dir` \| local \|$/m, 'a relative output_dir is a local path too');
  assert.doesNotMatch(card, /\/models\/sdxl/);
  assert.ok(!card.includes(TOKEN));
});

test('weights of a checkpoint say so', () => {
  const card = modelCard({ ...dreambooth, weights: { checkpoint: 400 } });
  assert.match(card, /Not the final weights:.*checkpoint at step 400/);
});

test('a LoRA of a local base model: the usage snippet is valid Python (the comment on its own line, not inside the call)', () => {
  const local = argsFromArgv(
    argv.map((a) => (a.startsWith('--pretrained_model_name_or_path=') ? '--pretrained_model_name_or_path=/models/tiny-sdxl' : a)),
    'dreambooth-lora',
  );
  const card = modelCard({ ...dreambooth, args: local });
  const code = /```python\n([\s\S]*?)```/.exec(card)![1]!;
  assert.match(code, /^base_model = "path\/to\/the\/base\/model" {2}# trained on a local copy of the base model$/m);
  assert.match(code, /^pipeline = AutoPipelineForText2Image\.from_pretrained\(base_model, torch_dtype=torch\.float16, vae=vae\)\.to\("cuda"\)$/m);
  for (const line of code.split('\n')) {
    const hash = line.indexOf('#');
    if (hash >= 0) assert.doesNotMatch(line.slice(hash), /[()]/, `a comment swallows code: ${line}`);
  }
});
