// A console that prints the Hub token (accelerate's CalledProcessError quotes the training's argv; a script may print
// its environment) gives states, summaries, dashboard views and Problems entries with the token masked: the console
// parser masks every line it keeps. The end-to-end check with real runs is secretLeak.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConsole } from '../../src/core/worker/consoleParser';
import { reduceAll } from '../../src/core/run/reducer';
import { summarizePath } from '../../src/core/monitor/summarize';
import { runView } from '../../src/core/view/dashboardModel';
import { runFailureDiagnostic } from '../../src/core/view/runFailures';
import { RunMonitor } from '../../src/core/monitor/runMonitor';

const TOKEN = 'hf_FAKEtoken0123456789abcdefghij';
const WANDB = 'wandbFAKEkey0123456789';
const PY = '/home/u/venv/bin/python3';

/** A failed launch's console as accelerate prints it, with the token in the argv, a traceback and a log record. */
const CONSOLE = [
  `07/01/2025 10:00:00 - WARNING - __main__ - using HF_TOKEN=${TOKEN} and WANDB_API_KEY=${WANDB}`,
  'Traceback (most recent call last):',
  '  File "train_text_to_image_lora_sdxl.py", line 546, in main',
  `    repo_id = create_repo(repo_id="x", exist_ok=True, token="${TOKEN}").repo_id`,
  `huggingface_hub.errors.HfHubHTTPError: 401 Client Error: Unauthorized (token ${TOKEN}, key ${WANDB})`,
  'Traceback (most recent call last):',
  `  File "${PY}", line 8, in <module>`,
  '    sys.exit(main())',
  '  File "/site-packages/accelerate/commands/launch.py", line 823, in simple_launcher',
  '    raise subprocess.CalledProcessError(returncode=process.returncode, cmd=cmd)',
  `subprocess.CalledProcessError: Command '['${PY}', 'train_text_to_image_lora_sdxl.py', '--output_dir=out', '--hub_token', '${TOKEN}']' returned non-zero exit status 1.`,
  `ValueError: bad value ${TOKEN}`,
  // An error line longer than the parser keeps, cut inside the token.
  'ValueError: ' + 'x'.repeat(168) + ` --hub_token ${TOKEN}`,
  '',
].join('\n');

function assertMasked(label: string, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  assert.ok(!text.includes(TOKEN), `${label} holds the token: ${text.slice(Math.max(0, text.indexOf(TOKEN) - 200), text.indexOf(TOKEN) + 60)}`);
  assert.ok(!text.includes('hf_FAKE'), `${label} holds part of the token`);
  assert.ok(!text.includes(WANDB), `${label} holds the known secret`);
}

test('the console parser masks tokens and known secrets in every event it emits', () => {
  const events = parseConsole(CONSOLE, { secrets: [WANDB], maxLineChars: 200 });
  assertMasked('events', events);
  const state = reduceAll([...events, { type: 'exit', code: 1, signal: null }]);
  assertMasked('state', state);
  assert.equal(state.state, 'failed');
  // What is kept is still there, masked: the error lines, the traceback, the log record.
  const text = JSON.stringify(state);
  assert.ok(text.includes("'--hub_token', 'hf_…ghij']"), 'the CalledProcessError line, masked');
  assert.ok(text.includes('WANDB_API_KEY=…6789'), 'the log record, masked');
  assert.ok(
    state.errorLines.some((l) => l.endsWith(' --hub_token ***')),
    'the line cut inside the token',
  );
  assert.ok(state.failure && state.failure.message.length > 0);
  assertMasked('dashboard view', runView(state, { id: 'r', label: 'r', simulated: false, imageUri: () => undefined }));
  assertMasked('Problems entry', runFailureDiagnostic({ runId: 'r', failure: state.failure }, '{}'));
});

test('without known secrets, any Hugging Face token is still masked (a generic pattern)', () => {
  const state = reduceAll([...parseConsole(CONSOLE), { type: 'exit', code: 1, signal: null }]);
  assert.ok(!JSON.stringify(state).includes(TOKEN));
});

test('summarize and the monitor read a console with the token and show it masked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdxl-redact-'));
  try {
    writeFileSync(join(dir, 'console.log'), CONSOLE);
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({
        id: 'r',
        name: 'r',
        script: 'lora',
        createdAt: new Date().toISOString(),
        state: 'failed',
        exitCode: 1,
        // A record from before the token went by environment: argv still has it.
        plan: { argv: ['accelerate', 'launch', 'train_text_to_image_lora_sdxl.py', '--hub_token', TOKEN], env: {}, cwd: dir, script: 'lora' },
      }),
    );
    const fromFile = await summarizePath(join(dir, 'console.log'), { secrets: [WANDB] });
    assertMasked('summarize FILE', fromFile);
    const fromRecord = await summarizePath(dir, { secrets: [WANDB] });
    assertMasked('summarize DIR', fromRecord);
    assert.equal(fromRecord.summary.state, 'failed');
    const state = await new RunMonitor({ recordDir: dir, imageCacheDir: join(dir, 'images'), secrets: [WANDB] }).readOnce();
    assertMasked('monitor state', state);
    assert.equal(state.args?.hub_token, 'hf_…ghij');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
