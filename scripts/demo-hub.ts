// The demo's stand-in Hugging Face Hub: the project's loopback Hub API (test/hub/fakeHub.ts, a test fixture) with a
// small catalogue of well-known SDXL model and dataset ids, so completion of ids, the hub-not-found / hub-gated checks
// and "Download Base Model" can be tried on a machine without network. `npm run demo` starts it unless DEMO_HUB=real
// and gives its address to VS Code as HF_ENDPOINT. The ids are real names; their files are placeholders, except
// `sdxl-trainer-demo/tiny-sdxl`, which serves the real worker's tiny SDXL when it is installed (a download of it loads
// in diffusers), and `Xenova/clip-vit-base-patch32` (the default sdxl.clip.model), which serves a tiny CLIP-shaped ONNX
// model with random weights (test/clip/tinyClip.ts) laid out as that repo is, so CLIP scoring can be tried: its scores
// mean nothing. Prints the address on its first line, then serves until killed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeTinyClip } from '../test/clip/tinyClip';
import { filesUnder, sdxlRepoFiles, startFakeHub, type FakeRepo } from '../test/hub/fakeHub';

const root = resolve(__dirname, '..');

function tinyModel(): Record<string, Uint8Array> | undefined {
  const dir = join(process.env.SDXL_REAL_WORKER ?? join(root, '.cache', 'real-worker'), 'tiny', 'model');
  try {
    return filesUnder(dir);
  } catch {
    return undefined;
  }
}

const vae = { 'config.json': JSON.stringify({ _class_name: 'AutoencoderKL' }), 'diffusion_pytorch_model.safetensors': new Uint8Array(4096) };
const repos: FakeRepo[] = [
  { id: 'stabilityai/stable-diffusion-xl-base-1.0', files: sdxlRepoFiles({ fp16Variant: true }), downloads: 2_000_000, likes: 6000 },
  { id: 'stabilityai/stable-diffusion-xl-refiner-1.0', files: sdxlRepoFiles({ fp16Variant: true }), downloads: 700_000, likes: 1800 },
  { id: 'stabilityai/sdxl-turbo', files: sdxlRepoFiles({ fp16Variant: true }), downloads: 600_000, likes: 2300 },
  { id: 'RunDiffusion/Juggernaut-XL-v9', files: sdxlRepoFiles(), downloads: 300_000, likes: 200 },
  { id: 'SG161222/RealVisXL_V4.0', files: sdxlRepoFiles(), downloads: 250_000, likes: 500 },
  { id: 'cagliostrolab/animagine-xl-3.1', files: sdxlRepoFiles(), downloads: 200_000, likes: 700 },
  { id: 'playgroundai/playground-v2.5-1024px-aesthetic', files: sdxlRepoFiles(), downloads: 150_000, likes: 600, gated: 'auto' },
  { id: 'madebyollin/sdxl-vae-fp16-fix', files: vae, downloads: 900_000, likes: 500 },
  { id: 'stabilityai/sdxl-vae', files: vae, downloads: 400_000, likes: 600 },
  { id: 'lambdalabs/naruto-blip-captions', type: 'dataset', files: { 'README.md': '# Naruto BLIP captions\n' }, downloads: 20_000 },
  { id: 'lambdalabs/pokemon-blip-captions', type: 'dataset', files: { 'README.md': '# Pokémon BLIP captions\n' }, downloads: 30_000 },
  { id: 'diffusers/dog-example', type: 'dataset', files: { 'README.md': '# Dog example\n' }, downloads: 15_000 },
];
/** The tiny CLIP's files, written into a temp folder that is gone once they are read. Its vision weights are sized to
 * pass the editor's "ask before downloading more than 5 MB" (clipModelFiles.ts ASK_ABOVE_BYTES), so the demo shows
 * the download question as the real ~90 MB model does. */
function tinyClip(): Record<string, Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-demo-clip-'));
  try {
    // Seed 4: on the demo's square images its scores spread over 0–75 (another seed gives mostly 0: 100 × max(0, cos)).
    writeTinyClip(dir, { pool: 1, hidden: 512, seed: 4 });
    return filesUnder(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const tiny = tinyModel();
if (tiny) repos.push({ id: 'sdxl-trainer-demo/tiny-sdxl', files: tiny, downloads: 1 });
repos.push({ id: 'Xenova/clip-vit-base-patch32', files: tinyClip(), downloads: 50_000, likes: 20 });

/** The stand-in's one valid token, for trying "SDXL: Sign in to Hugging Face" (it names the user `demo-user`). */
const DEMO_TOKEN = 'hf_DemoTokenForTheStandInHub0000';

void startFakeHub({ repos, tokens: { [DEMO_TOKEN]: 'demo-user' } }).then((hub) => {
  process.stdout.write(`${hub.url}\n`);
  const stop = (): void => void hub.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
});
