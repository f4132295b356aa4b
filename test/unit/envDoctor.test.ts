// The environment doctor (core/env): probe output parsing, PEP 440 comparison, the script's minimum, the assessment
// rules, which interpreter is examined, and the probe run against fake interpreters for the broken cases
// (test/fixtures/fake-python) and against this machine's own python3 for the real probe source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repoRoot';
import { compareVersions, atLeast } from '../../src/core/env/version';
import { minVersionInScript } from '../../src/core/env/scriptMinimum';
import { parseProbeOutput, runProbe, type EnvProbe } from '../../src/core/env/probe';
import { PROBE_MARKER } from '../../src/core/env/probeSource';
import { assessEnvironment, type EnvCheck } from '../../src/core/env/assess';
import { envNeedsOf } from '../../src/core/env/needs';
import { doctorTarget, runDoctor } from '../../src/core/env/doctor';
import { problemCounts, reportMarkdown, reportText } from '../../src/core/env/report';
import type { SdxlConfig } from '../../src/core/config/config';
import { main } from '../../src/cli';
import type { CliIo } from '../../src/cli/io';

const FAKE = join(repoRoot(), 'test', 'fixtures', 'fake-python');
const fake = (name: string): string => join(FAKE, name, 'python');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'sdxl-env-'));
const python3 = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p));

/** The probe line a fake prints, parsed: the fixtures double as probe samples. */
function fixtureProbe(name: string): EnvProbe {
  const text = readFileSync(fake(name), 'latin1');
  const line = text.slice(text.indexOf(PROBE_MARKER)).split('\\n')[0]!;
  const p = parseProbeOutput(line);
  assert.ok(!('error' in p), JSON.stringify(p));
  return p;
}

function cfg(args: Record<string, unknown>, script: SdxlConfig['script'] = 'dreambooth-lora', launch?: SdxlConfig['launch']): SdxlConfig {
  return { script, args: args as SdxlConfig['args'], ...(launch ? { launch } : {}) };
}

const byId = (checks: EnvCheck[], id: string): EnvCheck | undefined => checks.find((c) => c.id === id);

// ---------------------------------------------------------------------------------------------------- versions

test('compareVersions: PEP 440 order of dev, pre, final, post and local versions', () => {
  const ordered = ['0.26.3', '0.27.0.dev0', '0.27.0a1', '0.27.0b2', '0.27.0rc1', '0.27.0', '0.27.0.post1', '0.27.1', '0.27.2', '0.28.0.dev0', '1!0.1'];
  for (let i = 0; i + 1 < ordered.length; i++) {
    assert.equal(compareVersions(ordered[i]!, ordered[i + 1]!), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    assert.equal(compareVersions(ordered[i + 1]!, ordered[i]!), 1, `${ordered[i + 1]} > ${ordered[i]}`);
  }
  assert.equal(compareVersions('0.27', '0.27.0'), 0);
  assert.equal(compareVersions('2.1.0+cu121', '2.1.0'), 0);
  assert.equal(compareVersions('1.13.0a0+gitunknown', '1.13.0'), -1);
  assert.equal(compareVersions('0.10.0', '0.9.0'), 1, 'numeric, not string, order');
  assert.equal(compareVersions('not a version', '1.0'), undefined);
  assert.equal(atLeast('0.27.2', '0.27.0'), true);
  assert.equal(atLeast('0.27.0.dev0', '0.27.0'), false);
  assert.equal(atLeast('0.28.0.dev0', '0.28.0.dev0'), true);
});

test("minVersionInScript: the script's own check_min_version call, not a mention elsewhere", () => {
  const text = 'from diffusers.utils import (\n    check_min_version,\n)\n# check_min_version("9.9.9") in a comment\ncheck_min_version("0.27.0")\n';
  assert.equal(minVersionInScript(text), '0.27.0');
  assert.equal(minVersionInScript("check_min_version('0.28.0.dev0')"), '0.28.0.dev0');
  assert.equal(minVersionInScript('print(1)'), undefined);
});

// ---------------------------------------------------------------------------------------------------- parsing

test('parseProbeOutput: the result line after any noise; garbage, truncated and malformed output say what is wrong', () => {
  const good = fixtureProbe('good');
  assert.equal(good.python.version, '3.10.12');
  assert.equal(good.packages.diffusers, '0.26.3');
  assert.equal(good.packages.datasets, null);
  assert.equal(good.torch?.cuda, null);

  assert.match((parseProbeOutput('') as { error: string }).error, /printed nothing/);
  assert.match((parseProbeOutput('Python 2.7.18\nwhatever') as { error: string }).error, /printed no result line.*"Python 2.7.18 whatever"/);
  const truncated = `${PROBE_MARKER}{"probe": 1, "python": {"version": "3.1`;
  assert.match((parseProbeOutput(truncated) as { error: string }).error, /not valid JSON \(cut short\?\)/);
  const noPackages = `${PROBE_MARKER}{"python": {"version": "3.11.0", "executable": "/x"}, "accelerateConfig": {}}`;
  assert.match((parseProbeOutput(noPackages) as { error: string }).error, /malformed: packages is not an object/);
  const badGpu = `${PROBE_MARKER}${JSON.stringify({
    python: { version: '3.11.0', executable: '/x', prefix: '/' },
    packages: {},
    torch: { version: '2.0', cuda: '12.1', cudaAvailable: true, gpus: [{ name: 'X', totalMemoryBytes: 'lots', capability: '8.0' }] },
    accelerateConfig: { path: '/a', exists: false },
  })}`;
  assert.match((parseProbeOutput(badGpu) as { error: string }).error, /torch\.gpus\[0\]\.totalMemoryBytes is not a byte count/);
});

// ---------------------------------------------------------------------------------------------------- fake interpreters

const env = { ...process.env };

test('runProbe: library noise with bytes that are not UTF-8 before the result does not spoil it', async () => {
  const out = await runProbe({ python: fake('good'), env, timeoutMs: 20_000 });
  assert.ok(out.ok, JSON.stringify(out));
  assert.equal(out.probe.packages.torch, '2.1.0');
});

test('runProbe: an interpreter that prints garbage (not UTF-8) and no result is named, with what it printed', async () => {
  const out = await runProbe({ python: fake('garbage'), env, timeoutMs: 20_000 });
  assert.equal(out.ok, false);
  assert.ok(!out.ok);
  assert.equal(out.failure, 'output');
  assert.match(
    out.reason,
    /garbage\/python: the environment probe printed no result line \(is it a Python interpreter\?\); it printed: "hello \uFFFD\uFFFD world/,
  );
});

test('runProbe: a broken venv (exit 1) gives the last line of its traceback', async () => {
  const out = await runProbe({ python: fake('exits1'), env, timeoutMs: 20_000 });
  assert.ok(!out.ok);
  assert.equal(out.failure, 'exit');
  assert.match(out.reason, /exited with code 1: ModuleNotFoundError: No module named 'encodings'/);
});

test('runProbe: a missing interpreter is said in words', async () => {
  const out = await runProbe({ python: join(tmp(), 'venv', 'bin', 'python'), env, timeoutMs: 20_000 });
  assert.ok(!out.ok);
  assert.equal(out.failure, 'missing');
  assert.match(out.reason, /no Python interpreter at .*venv\/bin\/python/);
});

test(
  'runProbe: a hanging interpreter is killed at the timeout, its whole process group with it',
  { skip: process.platform === 'win32' && 'POSIX sh' },
  async () => {
    const pidFile = join(tmp(), 'child.pid');
    const t0 = Date.now();
    const out = await runProbe({ python: fake('hangs'), env: { ...env, FAKE_PYTHON_CHILD_PID: pidFile }, timeoutMs: 800 });
    assert.ok(!out.ok);
    assert.equal(out.failure, 'timeout');
    assert.match(out.reason, /did not finish within 1 s/);
    assert.ok(Date.now() - t0 < 10_000);
    const child = Number(readFileSync(pidFile, 'utf8'));
    // The group got SIGKILL; the kernel may take a moment to reap it.
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try {
        process.kill(child, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'the hanging child was left running');
  },
);

test(
  'runProbe: the real probe source runs on a plain python3 and reads accelerate config from $HF_HOME',
  { skip: !python3 && 'python3 not available' },
  async () => {
    const hf = tmp();
    mkdirSync(join(hf, 'accelerate'));
    // YAML as `accelerate config` writes it; read with PyYAML when present, else the probe's line parser.
    writeFileSync(
      join(hf, 'accelerate', 'default_config.yaml'),
      "compute_environment: LOCAL_MACHINE\ndistributed_type: 'NO'\nmixed_precision: fp16\nnum_processes: 1\n",
    );
    const out = await runProbe({ python: python3!, cwd: tmp(), env: { ...env, HF_HOME: hf }, timeoutMs: 60_000 });
    assert.ok(out.ok, JSON.stringify(out));
    assert.match(out.probe.python.version, /^3\.\d+\.\d+$/);
    assert.equal(out.probe.accelerateConfig.path, join(hf, 'accelerate', 'default_config.yaml'));
    assert.equal(out.probe.accelerateConfig.exists, true);
    assert.equal(out.probe.accelerateConfig.values?.mixed_precision, 'fp16');
    assert.equal(out.probe.accelerateConfig.values?.distributed_type, 'NO');
    assert.equal(String(out.probe.accelerateConfig.values?.num_processes), '1');
  },
);

// ---------------------------------------------------------------------------------------------------- assessment

test('assessEnvironment: a CPU-only torch is a warning with a link, and an older diffusers than the script needs an error with a pip argv', () => {
  const needs = { ...envNeedsOf(cfg({})), diffusersMinimum: '0.27.0', scriptPath: '/s/train.py' };
  const checks = assessEnvironment(fixtureProbe('good'), needs, '/venv/bin/python');
  assert.equal(byId(checks, 'torch')?.status, 'ok');
  const cuda = byId(checks, 'cuda')!;
  assert.equal(cuda.status, 'warn');
  assert.match(cuda.message, /built without CUDA/);
  assert.equal(cuda.fix?.kind, 'link');
  const d = byId(checks, 'diffusers')!;
  assert.equal(d.status, 'error');
  assert.match(d.message, /diffusers 0\.26\.3 is older than 0\.27\.0/);
  assert.deepEqual(d.fix, { kind: 'argv', title: 'pip install diffusers>=0.27.0', argv: ['/venv/bin/python', '-m', 'pip', 'install', 'diffusers>=0.27.0'] });
  const ac = byId(checks, 'accelerate-config')!;
  assert.equal(ac.status, 'warn');
  assert.deepEqual(ac.fix, {
    kind: 'argv',
    title: 'accelerate config default',
    argv: ['/venv/bin/python', '-m', 'accelerate.commands.accelerate_cli', 'config', 'default'],
  });
  // A .dev minimum (a script from main) cannot come from PyPI.
  const dev = byId(assessEnvironment(fixtureProbe('good'), { ...needs, diffusersMinimum: '0.28.0.dev0' }, 'py'), 'diffusers')!;
  assert.ok(dev.fix?.kind === 'argv' && dev.fix.argv.includes('git+https://github.com/huggingface/diffusers'));
});

test('assessEnvironment: packages the config asks for (8-bit Adam, wandb, xformers, tensorboard), bf16 on a GPU without it, fp16 on the CPU', () => {
  const probe = fixtureProbe('cuda');
  const config = cfg({
    use_8bit_adam: true,
    report_to: 'wandb',
    enable_xformers_memory_efficient_attention: true,
    mixed_precision: 'bf16',
    dataset_name: 'x/y',
  });
  const checks = assessEnvironment(probe, envNeedsOf(config), '/c/python');
  assert.equal(byId(checks, 'cuda')?.status, 'ok');
  assert.match(byId(checks, 'cuda')!.message, /2 GPUs \(GPU 0: Tesla T4, 14\.7 GiB, compute capability 7\.5; GPU 1: NVIDIA A100/);
  assert.match(byId(checks, 'bf16')!.message, /Tesla T4 \(compute capability 7\.5\) has no native bf16/);
  const bnb = byId(checks, 'bitsandbytes')!;
  assert.equal(bnb.status, 'error');
  assert.match(
    bnb.message,
    /bitsandbytes 0\.43\.0 is installed in \/c\/python but does not import: RuntimeError: CUDA Setup failed.*needed because use_8bit_adam is on/,
  );
  assert.equal(byId(checks, 'wandb')?.status, 'error');
  assert.deepEqual(byId(checks, 'xformers')?.fix, { kind: 'argv', title: 'pip install xformers', argv: ['/c/python', '-m', 'pip', 'install', 'xformers'] });
  assert.equal(byId(checks, 'datasets')?.status, 'ok');
  assert.equal(byId(checks, 'tensorboard'), undefined, 'report_to wandb does not need tensorboard');
  assert.match(byId(checks, 'accelerate-config')!.message, /num_processes 2, mixed_precision bf16, distributed_type MULTI_GPU/);

  // The default report_to is tensorboard: missing, it is a warning (curves never appear), not an error.
  const tb = byId(assessEnvironment(probe, envNeedsOf(cfg({})), 'py'), 'tensorboard')!;
  assert.equal(tb.status, 'warn');
  assert.match(tb.message, /report_to is tensorboard \(the default\)/);
  // Nothing asked, nothing said about the optional packages.
  const plain = assessEnvironment(probe, envNeedsOf(cfg({ report_to: 'tensorboard' })), 'py');
  assert.equal(byId(plain, 'xformers'), undefined);
  assert.equal(byId(plain, 'bitsandbytes')?.status, 'warn', 'installed but broken is still worth a warning');

  const cpu = assessEnvironment(fixtureProbe('good'), envNeedsOf(cfg({ mixed_precision: 'fp16' })), 'py');
  assert.equal(byId(cpu, 'fp16-cpu')?.status, 'error');
});

// ---------------------------------------------------------------------------------------------------- which interpreter

test('doctorTarget: --python, else launch.python, else the python beside accelerate, else the editor interpreter, else PATH; each says why', () => {
  const dir = tmp();
  const bin = join(dir, 'env', 'bin');
  mkdirSync(bin, { recursive: true });
  for (const f of ['accelerate', 'python']) {
    writeFileSync(join(bin, f), '#!/bin/sh\n');
    chmodSync(join(bin, f), 0o755);
  }
  const script = join(dir, 'train.py');
  writeFileSync(script, 'check_min_version("0.27.0")\n');
  const configPath = join(dir, 'a.sdxl.json');
  const base = { platform: 'linux' as const, env: { PATH: bin } };
  const launch = { scriptPath: script, env: { HF_HOME: join(dir, 'hf') }, accelerateArgs: { config_file: 'acc.yaml' } };

  const flag = doctorTarget({
    ...base,
    python: '/x/python',
    config: { config: cfg({}, 'dreambooth-lora', { ...launch, python: 'venv/bin/python' }), path: configPath },
  });
  assert.ok(!('error' in flag));
  assert.equal(flag.python, '/x/python');
  assert.equal(flag.why, '--python');

  const own = doctorTarget({ ...base, config: { config: cfg({}, 'dreambooth-lora', { ...launch, python: 'venv/bin/python' }), path: configPath } });
  assert.ok(!('error' in own));
  assert.equal(own.python, join(dir, 'venv/bin/python'));
  assert.equal(own.why, 'launch.python in a.sdxl.json');
  assert.equal(own.env.HF_HOME, join(dir, 'hf'), "the run's launch.env decides where accelerate's config is");
  assert.equal(own.accelerateConfigFile, join(dir, 'acc.yaml'));
  assert.equal(own.needs.diffusersMinimum, '0.27.0');
  assert.equal(own.needs.scriptPath, script);

  const beside = doctorTarget({ ...base, config: { config: cfg({}, 'dreambooth-lora', { scriptPath: script }), path: configPath } });
  assert.ok(!('error' in beside));
  assert.equal(beside.python, join(bin, 'python'));
  assert.match(beside.why, /beside launch\.accelerate/);

  const editor = doctorTarget({
    platform: 'linux',
    env: { PATH: '' },
    editorInterpreter: '/ed/python',
    config: { config: cfg({}, 'dreambooth-lora', { scriptPath: script }), path: configPath },
  });
  assert.ok(!('error' in editor));
  assert.equal(editor.python, '/ed/python');
  assert.equal(editor.why, "the Python extension's selected interpreter");

  const onPath = doctorTarget({ platform: 'linux', env: { PATH: bin } });
  assert.ok(!('error' in onPath));
  assert.equal(onPath.python, join(bin, 'python'));
  assert.equal(onPath.why, 'python on PATH');

  const none = doctorTarget({ platform: 'linux', env: { PATH: '' } });
  assert.ok(!('error' in none));
  assert.equal(none.why, 'no interpreter configured and none found on PATH');

  const missingScript = doctorTarget({ ...base, config: { config: cfg({}, 'dreambooth-lora', { scriptPath: join(dir, 'nope.py') }), path: configPath } });
  assert.ok(!('error' in missingScript));
  assert.match(missingScript.needs.diffusersMinimumError ?? '', /nope\.py does not exist/);

  const bad = doctorTarget({ ...base, config: { config: cfg({}, 'dreambooth-lora', { python: 'a\u0000b' }), path: configPath } });
  assert.ok('error' in bad);
});

// ---------------------------------------------------------------------------------------------------- report and CLI

test('runDoctor + reports: a failed probe is one error with the next step; the Markdown title names the interpreter', async () => {
  const report = await runDoctor({ python: fake('exits1'), why: '--python', env, needs: envNeedsOf() }, { timeoutMs: 20_000 });
  assert.equal(report.status, 'error');
  assert.equal(report.checks.length, 1);
  assert.equal(report.checks[0]!.id, 'interpreter');
  assert.match(report.checks[0]!.message, /ModuleNotFoundError.*The environment may be broken/);
  assert.equal(report.checks[0]!.fix?.kind, 'command');
  assert.match(reportText(report), /^Python: .*exits1\/python \(--python\)\nERROR interpreter: /);
  assert.match(reportMarkdown(report), /^# SDXL Environment — .*exits1\/python\n/);
});

async function cli(argv: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', cwd };
  const code = await main(argv, io);
  return { code, out, err };
}

test('cli doctor: text or JSON, exit 1 on errors, 0 on warnings only; a broken config is named', async () => {
  const dir = tmp();
  const good = await cli(['doctor', '--python', fake('good')], dir);
  assert.equal(good.code, 0, good.out + good.err);
  assert.match(good.out, /warn  cuda: CUDA: not available/);
  const broken = await cli(['doctor', '--python', fake('garbage'), '--json'], dir);
  assert.equal(broken.code, 1);
  const json = JSON.parse(broken.out) as { status: string; checks: EnvCheck[] };
  assert.equal(json.status, 'error');
  assert.equal(json.checks[0]?.id, 'interpreter');
  // With a config: its script's minimum applies (0.26.3 < 0.27.0 is an error).
  writeFileSync(join(dir, 'train.py'), 'check_min_version("0.27.0")\n');
  writeFileSync(join(dir, 'a.sdxl.json'), JSON.stringify({ script: 'dreambooth-lora', launch: { scriptPath: 'train.py' }, args: {} }));
  const withConfig = await cli(['doctor', '--python', fake('good'), '--config', 'a.sdxl.json'], dir);
  assert.equal(withConfig.code, 1);
  assert.match(withConfig.out, /ERROR diffusers: diffusers 0\.26\.3 is older than 0\.27\.0/);
  writeFileSync(join(dir, 'b.sdxl.json'), '{ nope');
  const badConfig = await cli(['doctor', '--config', 'b.sdxl.json'], dir);
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.err, /b\.sdxl\.json is not a usable config/);
});

test('runProbe: Cancel (an AbortSignal) ends a hanging probe at once', { skip: process.platform === 'win32' && 'POSIX sh' }, async () => {
  const abort = new AbortController();
  const t0 = Date.now();
  const pending = runProbe({ python: fake('hangs'), env, timeoutMs: 60_000, signal: abort.signal });
  setTimeout(() => abort.abort(), 200);
  const out = await pending;
  assert.ok(!out.ok);
  assert.equal(out.failure, 'cancelled');
  assert.ok(Date.now() - t0 < 10_000);
});

test('runDoctor: a venv whose "Set Up Training Environment…" did not finish says so first, with the setup as its fix', async () => {
  const venv = mkdtempSync(join(tmpdir(), 'sdxl-doctor-venv-'));
  const probe = { ...fixtureProbe('good'), python: { version: '3.11.0', executable: join(venv, 'bin', 'python'), prefix: venv } };
  const run = async () => ({ ok: true as const, probe });
  const target = { python: join(venv, 'bin', 'python'), why: '--python', env, needs: envNeedsOf() };
  assert.equal(byId((await runDoctor(target, { run })).checks, 'setup'), undefined, 'no record: nothing said');
  const record = {
    version: 1,
    status: 'failed',
    release: '0.27.2',
    venvDir: venv,
    python: 'python3',
    scriptPath: '',
    steps: ['Create the venv', 'Install torch', 'Install diffusers'],
    done: 1,
    pid: process.pid,
    startedAt: '2026-11-29T00:00:00Z',
    message: 'pip could not reach the index',
  };
  writeFileSync(join(venv, '.sdxl-setup.json'), JSON.stringify(record));
  const report = await runDoctor(target, { run });
  assert.equal(report.checks[0]!.id, 'setup');
  assert.equal(report.checks[0]!.status, 'warn');
  assert.match(report.checks[0]!.message, /failed at step 2\/3 \(Install torch\); it is half set up\. pip could not reach the index/);
  assert.equal(report.checks[0]!.fix?.kind, 'command');
  writeFileSync(join(venv, '.sdxl-setup.json'), JSON.stringify({ ...record, status: 'done', done: 3 }));
  assert.equal(byId((await runDoctor(target, { run })).checks, 'setup'), undefined, 'a finished setup: nothing said');
});

test('reportMarkdown: a message’s paired backticks stay a code span (no backslashes shown); other Markdown is escaped', () => {
  const report = {
    python: '/venv/bin/python',
    why: '--python',
    status: 'warn' as const,
    checks: [
      {
        id: 'accelerate-config',
        status: 'warn' as const,
        message: 'accelerate config: none at /h/*x*; write one with `accelerate config default` (HF_HOME decides).',
      },
      { id: 'odd', status: 'warn' as const, message: 'one ` alone and [brackets]' },
    ],
  };
  const text = reportMarkdown(report);
  assert.ok(text.includes('none at /h/\\*x\\*; write one with `accelerate config default` (HF_HOME decides).'), text);
  assert.ok(text.includes('one \\` alone and \\[brackets\\]'), text);
});

test('doctor of a simulated config (the demo’s stand-in trainer): the report says the simulation needs none of it', async () => {
  const dir = tmp();
  const script = join(dir, 'train.py');
  writeFileSync(script, 'check_min_version("0.27.0")\n');
  const config = cfg({}, 'lora', { python: fake('exits1'), scriptPath: script, env: { SDXL_STANDIN_TRAINER: '1' } });
  const target = doctorTarget({ platform: 'linux', env: { PATH: '' }, config: { config, path: join(dir, 'squares.sdxl.json') } });
  assert.ok(!('error' in target));
  assert.equal(target.simulation, 'squares.sdxl.json');
  const report = await runDoctor(target, { timeoutMs: 20_000 });
  assert.equal(report.simulation, 'squares.sdxl.json');
  assert.match(reportText(report), /\nnote {2}squares\.sdxl\.json runs a simulation .*needs no Python environment/);
  assert.match(reportMarkdown(report), /\n\*\*Note:\*\* squares\.sdxl\.json runs a simulation .*nothing below stops it/);
  // A real config: no note.
  const real = doctorTarget({
    platform: 'linux',
    env: { PATH: '' },
    config: { config: cfg({}, 'lora', { python: fake('exits1'), scriptPath: script }), path: join(dir, 'real.sdxl.json') },
  });
  assert.ok(!('error' in real));
  assert.equal(real.simulation, undefined);
  assert.doesNotMatch(reportText(await runDoctor(real, { timeoutMs: 20_000 })), /simulation/);
});

test('problemCounts: the counts in words, only those not zero, singular for one', () => {
  const mk = (statuses: ('ok' | 'warn' | 'error')[]) => ({
    python: 'p',
    why: 'w',
    status: 'ok' as const,
    checks: statuses.map((status, i) => ({ id: `c${i}`, status, message: 'm' })),
  });
  assert.equal(problemCounts(mk(['ok'])), undefined);
  assert.equal(problemCounts(mk(['ok', 'warn'])), '1 warning');
  assert.equal(problemCounts(mk(['error', 'error', 'warn', 'warn'])), '2 errors, 2 warnings');
  assert.equal(problemCounts(mk(['error'])), '1 error');
  assert.match(reportText(mk(['warn'])), /\n1 warning\.\n$/);
});
