// "Set Up Training Environment…" end to end with the REAL python venv module and the REAL pip, against a PEP 503
// package index served on loopback (node:http) that holds small wheels built by test/fixtures/pip-index/make_wheels.py:
// the plan of src/core/env/setupPlan.ts run by setupRunner.ts creates the venv, installs torch from a "CUDA" index and
// diffusers with the kind's requirements at the pinned versions (newer decoys in the index must not be picked),
// downloads the script from a loopback "raw.githubusercontent.com", and `accelerate config default` writes its config
// under HF_HOME. A package missing from the index stops the setup with the message and the half-done record.
// Nothing reaches the network: every index URL is loopback, pip's config files are ignored, its cache is off.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { devNull, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../unit/repoRoot';
import { planSetup, type SetupChoices } from '../../src/core/env/setupPlan';
import { runSetup } from '../../src/core/env/setupRunner';
import { describeSetup, readSetupRecord, setupRecordPath } from '../../src/core/env/setupRecord';
import { DIFFUSERS_RELEASE, normalizedName } from '../../src/core/env/setupRelease';

const run = promisify(execFile);
const PYTHON = process.env.SDXL_TEST_PYTHON ?? 'python3';
const SCRIPT_TEXT = 'from diffusers.utils import check_min_version\ncheck_min_version("0.27.0")\n';

let server: Server;
let base = '';
let work = '';
const requests: string[] = [];

/** The index's projects: normalized name → wheel files (name, bytes). */
type Index = Map<string, { file: string; data: Buffer }[]>;

function indexOf(wheels: string[], dir: string): Index {
  const idx: Index = new Map();
  for (const file of wheels) {
    const name = normalizedName(file.split('-')[0]!);
    idx.set(name, [...(idx.get(name) ?? []), { file, data: readFileSync(join(dir, file)) }]);
  }
  return idx;
}

/** Where pip's own wheel is on this machine (Debian keeps it in /usr/share/python-wheels), for the pip upgrade step. */
async function pipWheel(): Promise<string | undefined> {
  const { stdout } = await run(PYTHON, ['-c', 'import ensurepip, os; print(os.path.dirname(ensurepip.__file__))']);
  for (const dir of [join(stdout.trim(), '_bundled'), '/usr/share/python-wheels']) {
    const f = existsSync(dir) ? readdirSync(dir).find((n) => /^pip-.*\.whl$/.test(n)) : undefined;
    if (f) return join(dir, f);
  }
  return undefined;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sdxl-setup-real-'));
  const wheels = join(work, 'wheels');
  await run(PYTHON, [join(repoRoot(), 'test/fixtures/pip-index/make_wheels.py'), wheels]);
  const all = readdirSync(wheels);
  const isTorch = (f: string): boolean => /^torch(vision)?-/.test(f);
  const indexes: Record<string, Index> = {
    // The package index: everything but torch, which has to come from the torch index.
    pkgs: indexOf(
      all.filter((f) => !isTorch(f)),
      wheels,
    ),
    torch: indexOf(all.filter(isTorch), wheels),
    // A package index without `datasets`, which the text_to_image requirements ask for.
    broken: indexOf(
      all.filter((f) => !isTorch(f) && !f.startsWith('datasets-')),
      wheels,
    ),
  };
  const pip = await pipWheel();
  if (pip) for (const idx of [indexes.pkgs!, indexes.broken!]) idx.set('pip', [{ file: pip.split('/').pop()!, data: readFileSync(pip) }]);

  server = createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const m = /^\/(pkgs|torch|broken)\/simple\/(?:([^/]+)\/)?$/.exec(url);
    const idx = m ? indexes[m[1]!] : undefined;
    if (m && idx && m[2] === undefined) {
      res.setHeader('content-type', 'text/html');
      res.end(`<!DOCTYPE html><html><body>${[...idx.keys()].map((n) => `<a href="${n}/">${n}</a>`).join('\n')}</body></html>`);
      return;
    }
    const files = m && idx ? idx.get(normalizedName(m[2]!)) : undefined;
    if (files) {
      res.setHeader('content-type', 'text/html');
      const links = files.map((w) => `<a href="/files/${m![1]}/${w.file}#sha256=${createHash('sha256').update(w.data).digest('hex')}">${w.file}</a>`);
      res.end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>`);
      return;
    }
    const f = /^\/files\/(pkgs|torch|broken)\/([^/]+)$/.exec(url);
    const wheel = f ? [...(indexes[f[1]!]?.values() ?? [])].flat().find((w) => w.file === f[2]) : undefined;
    if (wheel) {
      res.setHeader('content-type', 'application/octet-stream');
      res.end(wheel.data);
      return;
    }
    if (url.startsWith(`/raw/v${DIFFUSERS_RELEASE}/examples/`) && url.endsWith('.py')) {
      res.end(SCRIPT_TEXT);
      return;
    }
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** pip and Python see no user or site configuration, so no index but ours is ever asked. */
function isolatedEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, PIP_CONFIG_FILE: devNull, PYTHONNOUSERSITE: '1' };
  for (const k of Object.keys(env)) if (/^PIP_(INDEX_URL|EXTRA_INDEX_URL|FIND_LINKS|NO_INDEX)$/.test(k) || k === 'VIRTUAL_ENV') delete env[k];
  return env;
}

function choices(dir: string, over: Partial<SetupChoices>): SetupChoices {
  return {
    platform: 'posix',
    basePython: PYTHON,
    venvDir: join(dir, '.venv-sdxl'),
    kind: 'dreambooth-lora',
    torch: { label: 'CUDA 12.1 (loopback)', indexUrl: `${base}/torch/simple/` },
    indexUrl: `${base}/pkgs/simple/`,
    pipCache: false,
    scripts: { from: 'download', dir: join(dir, 'examples-dl'), baseUrl: `${base}/raw` },
    env: { HF_HOME: join(dir, 'hf') },
    ...over,
  };
}

async function installedVersions(python: string, names: string[]): Promise<Record<string, string>> {
  const code = `import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))`;
  const { stdout } = await run(python, ['-c', code, ...names], { env: isolatedEnv() });
  return JSON.parse(stdout) as Record<string, string>;
}

test('the real plan end to end: venv, pinned packages from the loopback indexes, the script, accelerate config', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(work, 'ok-'));
  const plan = planSetup(choices(dir, { upgradePip: true }));
  const out: string[] = [];
  const outcome = await runSetup(plan, { onOutput: (t) => out.push(t), baseEnv: isolatedEnv() });
  const text = out.join('');
  assert.deepEqual(outcome, { status: 'done' }, text.slice(-3000));

  assert.ok(existsSync(plan.python), 'the venv has its interpreter');
  const versions = await installedVersions(plan.python, [
    'torch',
    'torchvision',
    'diffusers',
    'accelerate',
    'transformers',
    'peft',
    'huggingface_hub',
    'numpy',
    'ftfy',
    'tensorboard',
    'Jinja2',
  ]);
  assert.deepEqual(versions, {
    torch: '2.2.2',
    torchvision: '0.17.2',
    diffusers: DIFFUSERS_RELEASE,
    accelerate: '0.28.0',
    transformers: '4.39.3',
    peft: '0.10.0',
    huggingface_hub: '0.22.2',
    numpy: '1.26.4',
    ftfy: '6.2.0',
    tensorboard: '2.16.2',
    Jinja2: '3.1.3',
  });
  // torch came from the torch index: the package index does not have it.
  assert.ok(requests.some((r) => r.startsWith('/files/torch/torch-2.2.2')));
  assert.ok(!requests.some((r) => r.includes('torch-2.5.0') || r.includes('diffusers-0.30.0') || r.includes('numpy-2.0.0')), 'decoys never fetched');

  assert.equal(plan.scriptPath, join(dir, 'examples-dl/examples/dreambooth/train_dreambooth_lora_sdxl.py'));
  assert.equal(readFileSync(plan.scriptPath, 'utf8'), SCRIPT_TEXT);
  const accelerateConfig = join(dir, 'hf/accelerate/default_config.yaml');
  assert.match(readFileSync(accelerateConfig, 'utf8'), /compute_environment: LOCAL_MACHINE/);
  assert.equal(describeSetup(await readSetupRecord(setupRecordPath(plan.venvDir))).state, 'done');
  for (const s of plan.steps) assert.ok(text.includes(s.title), `the terminal shows "${s.title}"`);

  // Run again on the same folder: every step succeeds again (the venv is kept, pip finds everything installed,
  // accelerate keeps the config it wrote).
  const again = await runSetup(plan, { onOutput: () => undefined, baseEnv: isolatedEnv() });
  assert.deepEqual(again, { status: 'done' });
});

test('a package missing from the index: the clear message naming the step, the half-done record, nothing after it', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(work, 'broken-'));
  const plan = planSetup(choices(dir, { kind: 'lora', indexUrl: `${base}/broken/simple/`, upgradePip: false }));
  const out: string[] = [];
  const outcome = await runSetup(plan, { onOutput: (t) => out.push(t), baseEnv: isolatedEnv() });
  assert.ok(outcome.status === 'failed', out.join('').slice(-3000));
  const step = plan.steps.findIndex((s) => s.title.startsWith(`Install diffusers ${DIFFUSERS_RELEASE}`));
  assert.equal(outcome.step, step + 1);
  assert.match(
    outcome.message,
    new RegExp(
      `^Setup failed at step ${step + 1}/${plan.steps.length} "Install diffusers .*": python exited with code 1\\. Next: pip's last lines above name the package`,
    ),
  );
  assert.match(out.join(''), /No matching distribution found for datasets/);
  assert.ok(!existsSync(plan.scriptPath), 'the download after it did not run');
  assert.ok(!existsSync(join(dir, 'hf/accelerate')), 'nor accelerate config');
  const d = describeSetup(await readSetupRecord(setupRecordPath(plan.venvDir)));
  assert.equal(d.state, 'half-done');
  assert.match(d.text, /failed at step \d\/\d \(Install diffusers/);
  assert.ok(existsSync(dirname(plan.python)), 'the venv itself was created before the failure');
});
