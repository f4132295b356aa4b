// What "Set Up Training Environment…" installs: one pinned diffusers release, the requirements its examples list per
// script (copied verbatim from the tag), and the few pins that make that release work today. One release, because the
// project's console, checkpoint and event formats are checked against it (docs/worker-formats.md) and so is the real
// worker of test/real (../shared/real-worker, the same tag).
import type { ScriptKind } from '../scripts/kinds';

/** The diffusers release installed, and the tag the training scripts are downloaded at (`v` + this). */
export const DIFFUSERS_RELEASE = '0.27.2';

/** Where a kind's script lives in the diffusers repository at that tag, and the requirements file next to it. */
export interface ExampleScript {
  /** Folder under `examples/`. */
  readonly dir: string;
  readonly file: string;
  /** `examples/<dir>/<requirementsFile>` at the tag. */
  readonly requirementsFile: string;
  /** That file's lines, verbatim (v0.27.2). */
  readonly requirements: readonly string[];
}

const TEXT_TO_IMAGE_REQUIREMENTS = ['accelerate>=0.22.0', 'torchvision', 'transformers>=4.25.1', 'ftfy', 'tensorboard', 'Jinja2', 'datasets', 'peft==0.7.0'];
const DREAMBOOTH_REQUIREMENTS = ['accelerate>=0.16.0', 'torchvision', 'transformers>=4.25.1', 'ftfy', 'tensorboard', 'Jinja2', 'peft==0.7.0'];

export const EXAMPLE_SCRIPTS: Record<ScriptKind, ExampleScript> = {
  full: { dir: 'text_to_image', file: 'train_text_to_image_sdxl.py', requirementsFile: 'requirements_sdxl.txt', requirements: TEXT_TO_IMAGE_REQUIREMENTS },
  lora: { dir: 'text_to_image', file: 'train_text_to_image_lora_sdxl.py', requirementsFile: 'requirements_sdxl.txt', requirements: TEXT_TO_IMAGE_REQUIREMENTS },
  'dreambooth-lora': {
    dir: 'dreambooth',
    file: 'train_dreambooth_lora_sdxl.py',
    requirementsFile: 'requirements_sdxl.txt',
    requirements: DREAMBOOTH_REQUIREMENTS,
  },
};

/**
 * Pins that replace a requirement of the same name (or are added): the requirements files leave most versions open,
 * and today's releases of those packages no longer work with diffusers 0.27.2. The versions are those of the real
 * worker's environment (../shared/real-worker/README.md), where the release's scripts run unmodified.
 */
export const RELEASE_PINS: readonly { readonly spec: string; readonly why: string }[] = [
  { spec: 'huggingface_hub==0.22.2', why: 'diffusers 0.27.2 imports huggingface_hub.cached_download, removed in huggingface_hub 0.26' },
  { spec: 'peft==0.10.0', why: 'train_dreambooth_lora_sdxl.py passes use_dora= to LoraConfig (peft >= 0.9); the requirements file still says 0.7.0' },
  { spec: 'transformers==4.39.3', why: 'the release contemporary with diffusers 0.27.2' },
  { spec: 'accelerate==0.28.0', why: 'the release contemporary with diffusers 0.27.2 (and the console format docs/worker-formats.md describes)' },
  { spec: 'numpy<2', why: 'the torch wheels pinned below were built against NumPy 1' },
];

/** torch and torchvision at releases that work with diffusers 0.27.2 and have wheels for CUDA 11.8 / 12.1 and CPU. */
export const TORCH_PINS: readonly string[] = ['torch==2.2.2', 'torchvision==0.17.2'];

/** Where torch comes from: PyTorch's wheel index for a CUDA (or CPU-only) build, or the package index itself. */
export interface TorchVariant {
  readonly label: string;
  /** A PEP 503 index (`--index-url`); absent: the package index (PyPI's Linux torch is a CUDA 12 build). */
  readonly indexUrl?: string;
}

export const TORCH_VARIANTS = {
  cu121: { label: 'CUDA 12.1', indexUrl: 'https://download.pytorch.org/whl/cu121' },
  cu118: { label: 'CUDA 11.8', indexUrl: 'https://download.pytorch.org/whl/cu118' },
  cpu: { label: 'CPU only', indexUrl: 'https://download.pytorch.org/whl/cpu' },
  pypi: { label: 'the package index (PyPI)' },
} as const satisfies Record<string, TorchVariant>;

/** The project name as PEP 503 normalises it, to match a pin to a requirement (`Jinja2` = `jinja2`, `huggingface-hub` = `huggingface_hub`). */
export function normalizedName(requirement: string): string {
  const name = /^[A-Za-z0-9][A-Za-z0-9._-]*/.exec(requirement.trim())?.[0] ?? requirement.trim();
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The requirements pip is given with diffusers: the kind's file with each pinned name replaced, then the other pins. */
export function pinnedRequirements(kind: ScriptKind): string[] {
  const pins = new Map(RELEASE_PINS.map((p) => [normalizedName(p.spec), p.spec]));
  const out: string[] = [];
  for (const req of EXAMPLE_SCRIPTS[kind].requirements) {
    const name = normalizedName(req);
    // torch and torchvision are installed in the step before, from the torch index; repeating them here is harmless.
    out.push(pins.get(name) ?? req);
    pins.delete(name);
  }
  return [...out, ...pins.values()];
}
