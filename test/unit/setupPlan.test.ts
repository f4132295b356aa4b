// "Set Up Training Environment…" as a plan: the steps for each script kind, platform, torch variant and script source,
// each an argument array; the pinned release's requirements with the pins that replace them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repoRoot';
import { launchFixOf, planSetup, type SetupChoices, type SetupStep } from '../../src/core/env/setupPlan';
import {
  DIFFUSERS_RELEASE,
  EXAMPLE_SCRIPTS,
  RELEASE_PINS,
  TORCH_PINS,
  TORCH_VARIANTS,
  normalizedName,
  pinnedRequirements,
} from '../../src/core/env/setupRelease';
import { fixToTextEdits } from '../../src/core/config/fixes';
import { SCRIPT_KINDS } from '../../src/core/scripts/kinds';
import { SCRIPT_PROFILES } from '../../src/core/scripts/profiles';

const base: SetupChoices = {
  platform: 'posix',
  basePython: 'python3',
  venvDir: '/ws/.venv-sdxl',
  kind: 'dreambooth-lora',
  torch: TORCH_VARIANTS.cu121,
  scripts: { from: 'download', dir: '/ws/.venv-sdxl/diffusers-examples' },
};

const runs = (steps: SetupStep[]): Extract<SetupStep, { kind: 'run' }>[] => steps.filter((s) => s.kind === 'run');

test('the posix plan: venv, pip, torch from the CUDA index, diffusers + requirements, the script, accelerate config', () => {
  const plan = planSetup({ ...base, env: { HF_HOME: '/data/hf' } });
  assert.equal(plan.python, '/ws/.venv-sdxl/bin/python');
  assert.equal(plan.accelerate, '/ws/.venv-sdxl/bin/accelerate');
  assert.equal(plan.scriptPath, '/ws/.venv-sdxl/diffusers-examples/examples/dreambooth/train_dreambooth_lora_sdxl.py');
  assert.deepEqual(
    plan.steps.map((s) => s.kind),
    ['run', 'run', 'run', 'run', 'download', 'run'],
  );
  const [venv, pip, torch, diffusers, dl, accelerate] = plan.steps;
  assert.deepEqual(venv?.kind === 'run' && venv.argv, ['python3', '-m', 'venv', '/ws/.venv-sdxl']);
  assert.deepEqual(pip?.kind === 'run' && pip.argv, ['/ws/.venv-sdxl/bin/python', '-m', 'pip', 'install', '--upgrade', 'pip']);
  assert.deepEqual(torch?.kind === 'run' && torch.argv, [
    '/ws/.venv-sdxl/bin/python',
    '-m',
    'pip',
    'install',
    '--index-url',
    'https://download.pytorch.org/whl/cu121',
    'torch==2.2.2',
    'torchvision==0.17.2',
  ]);
  assert.ok(diffusers?.kind === 'run');
  assert.deepEqual(diffusers.argv.slice(0, 5), ['/ws/.venv-sdxl/bin/python', '-m', 'pip', 'install', `diffusers==${DIFFUSERS_RELEASE}`]);
  assert.ok(!diffusers.argv.includes('--index-url'), 'no package index chosen: pip uses its own (PyPI or pip.conf)');
  assert.deepEqual(dl, {
    kind: 'download',
    title: `Download train_dreambooth_lora_sdxl.py (diffusers v${DIFFUSERS_RELEASE})`,
    url: `https://raw.githubusercontent.com/huggingface/diffusers/v${DIFFUSERS_RELEASE}/examples/dreambooth/train_dreambooth_lora_sdxl.py`,
    dest: plan.scriptPath,
    hint: dl?.hint,
  });
  assert.ok(accelerate?.kind === 'run');
  assert.deepEqual(accelerate.argv, ['/ws/.venv-sdxl/bin/accelerate', 'config', 'default']);
  assert.equal(accelerate.env.HF_HOME, '/data/hf', 'accelerate config is written where the runs will look');
  for (const s of [pip, torch, diffusers]) {
    assert.ok(s?.kind === 'run');
    assert.equal(s.env.PIP_NO_INPUT, '1');
    assert.equal(s.env.PIP_DISABLE_PIP_VERSION_CHECK, '1');
    assert.equal(s.env.HF_HOME, '/data/hf');
  }
  for (const s of plan.steps) assert.ok(s.title && s.hint, 'every step has a title and a next thing to try');
});

test('each kind installs its own example folder requirements, with the pins applied, and fetches its own script', () => {
  for (const kind of SCRIPT_KINDS) {
    const plan = planSetup({ ...base, kind });
    const example = EXAMPLE_SCRIPTS[kind];
    assert.equal(example.file, SCRIPT_PROFILES[kind].fileName, 'the same file the launch expects');
    const diffusers = runs(plan.steps).find((s) => s.argv.includes(`diffusers==${DIFFUSERS_RELEASE}`));
    assert.ok(diffusers, kind);
    const reqs = diffusers.argv.slice(diffusers.argv.indexOf(`diffusers==${DIFFUSERS_RELEASE}`) + 1);
    assert.deepEqual(reqs, pinnedRequirements(kind));
    const names = reqs.map(normalizedName);
    for (const r of example.requirements) assert.ok(names.includes(normalizedName(r)), `${kind}: ${r} installed`);
    assert.equal(new Set(names).size, names.length, `${kind}: one spec per package`);
    assert.ok(reqs.includes('peft==0.10.0') && !reqs.includes('peft==0.7.0'), 'peft pinned past the use_dora requirement');
    assert.ok(reqs.includes('huggingface_hub==0.22.2'));
    assert.equal(reqs.includes('datasets'), kind !== 'dreambooth-lora', 'datasets only where the requirements file has it');
    const dl = plan.steps.find((s) => s.kind === 'download');
    assert.ok(dl?.kind === 'download' && dl.url.endsWith(`/examples/${example.dir}/${example.file}`));
  }
});

test('Windows: Scripts\\python.exe and Scripts\\accelerate.exe, backslash paths', () => {
  const plan = planSetup({ ...base, platform: 'win32', basePython: 'py', venvDir: 'C:\\ws\\.venv-sdxl', scripts: { from: 'download', dir: 'C:\\ws\\ex' } });
  assert.equal(plan.python, 'C:\\ws\\.venv-sdxl\\Scripts\\python.exe');
  assert.equal(plan.accelerate, 'C:\\ws\\.venv-sdxl\\Scripts\\accelerate.exe');
  assert.equal(plan.scriptPath, 'C:\\ws\\ex\\examples\\dreambooth\\train_dreambooth_lora_sdxl.py');
  const r = runs(plan.steps);
  assert.deepEqual(r[0]?.argv, ['py', '-m', 'venv', 'C:\\ws\\.venv-sdxl']);
  for (const s of r.slice(1, -1)) assert.equal(s.argv[0], plan.python);
  assert.deepEqual(r.at(-1)?.argv, [plan.accelerate, 'config', 'default']);
});

test("the user's clone: its script is checked against the release, not downloaded", () => {
  const plan = planSetup({ ...base, kind: 'lora', scripts: { from: 'clone', root: '/src/diffusers' } });
  assert.equal(plan.scriptPath, '/src/diffusers/examples/text_to_image/train_text_to_image_lora_sdxl.py');
  assert.ok(!plan.steps.some((s) => s.kind === 'download'));
  const check = plan.steps.find((s) => s.kind === 'checkScript');
  assert.ok(check?.kind === 'checkScript');
  assert.deepEqual([check.path, check.release], [plan.scriptPath, DIFFUSERS_RELEASE]);
  assert.match(check.hint, /checkout v0\.27\.2/);
  assert.equal(plan.steps.at(-1)?.kind, 'run', 'accelerate config comes last');
});

test('a package index, no pip upgrade, no cache, torch from the package index, an overridden scripts URL', () => {
  const plan = planSetup({
    ...base,
    torch: TORCH_VARIANTS.pypi,
    indexUrl: 'http://127.0.0.1:9/simple/',
    upgradePip: false,
    pipCache: false,
    scripts: { from: 'download', dir: '/x', baseUrl: 'http://127.0.0.1:9/raw/' },
  });
  const r = runs(plan.steps);
  assert.equal(r.length, 4, 'venv, torch, diffusers, accelerate');
  for (const s of r.slice(1, 3)) {
    assert.deepEqual(s.argv.slice(3, 7), ['install', '--no-cache-dir', '--index-url', 'http://127.0.0.1:9/simple/']);
  }
  const dl = plan.steps.find((s) => s.kind === 'download');
  assert.equal(dl?.kind === 'download' && dl.url, `http://127.0.0.1:9/raw/v${DIFFUSERS_RELEASE}/examples/dreambooth/train_dreambooth_lora_sdxl.py`);
  // A CUDA variant keeps its own index even when a package index is chosen.
  const cuda = runs(planSetup({ ...base, torch: TORCH_VARIANTS.cu118, indexUrl: 'http://127.0.0.1:9/simple/' }).steps);
  assert.ok(cuda[2]?.argv.includes('https://download.pytorch.org/whl/cu118'));
  assert.ok(cuda[3]?.argv.includes('http://127.0.0.1:9/simple/'));
});

test('paths with spaces and odd characters stay whole arguments', () => {
  const plan = planSetup({ ...base, basePython: '/opt/My Python/bin/python3', venvDir: "/ws/a b/'env'; rm -rf ~" });
  const venv = plan.steps[0];
  assert.deepEqual(venv?.kind === 'run' && venv.argv, ['/opt/My Python/bin/python3', '-m', 'venv', "/ws/a b/'env'; rm -rf ~"]);
  assert.equal(plan.python, "/ws/a b/'env'; rm -rf ~/bin/python");
});

test('the pins agree with the real worker pip install (scripts/real-worker-requirements.txt), where the release is proven to run', () => {
  const lines = readFileSync(join(repoRoot(), 'scripts/real-worker-requirements.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const worker = new Map(lines.map((l) => [normalizedName(l), l]));
  assert.equal(worker.get('diffusers'), `diffusers==${DIFFUSERS_RELEASE}`);
  for (const pin of RELEASE_PINS) assert.equal(worker.get(normalizedName(pin.spec)), pin.spec, `${pin.spec}: ${pin.why}`);
  const install = readFileSync(join(repoRoot(), 'scripts/install-real-worker.sh'), 'utf8');
  assert.ok(install.includes(TORCH_PINS.join(' ')), 'the same torch and torchvision');
});

test('the config edit offered at the end sets launch.python and launch.scriptPath, comments kept', () => {
  const text = '{\n  // mine\n  "script": "lora",\n  "launch": { "cwd": "." },\n  "args": {}\n}\n';
  const plan = planSetup({ ...base, kind: 'lora' });
  let out = text;
  for (const e of fixToTextEdits(text, launchFixOf(plan)).sort((a, b) => b.offset - a.offset))
    out = out.slice(0, e.offset) + e.content + out.slice(e.offset + e.length);
  assert.match(out, /\/\/ mine/);
  const launch = (JSON.parse(out.replace(/\/\/.*\n/, '')) as { launch: Record<string, string> }).launch;
  assert.deepEqual(launch, { cwd: '.', python: '/ws/.venv-sdxl/bin/python', scriptPath: plan.scriptPath });
});
