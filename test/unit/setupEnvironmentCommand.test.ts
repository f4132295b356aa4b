// "SDXL: Set Up Training Environment…" in the extension, under a scripted `vscode` stand-in: the questions and their
// defaults, the plan run in the Pseudoterminal (real child processes: a fake `python` that makes a venv with a fake
// `accelerate`), the config edit offered at the end through sdxl.applyRunFix, a failing step's message, Cancel by
// closing the terminal (the process tree ends), and nothing at all in an untrusted workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as SetupModule from '../../src/extension/commands/setupEnvironment';
import { pidAlive } from '../../src/core/util/pidAlive';
import { waitFor } from './supervisorTestKit';

interface Pty {
  open(): void;
  close(): void;
  onDidWrite(l: (t: string) => void): unknown;
}
interface Item {
  label: string;
}

/** What the test answers, by the question's title or the message's text; and what the command did. */
const ui = {
  trusted: true,
  folder: '',
  activeConfig: undefined as undefined | { path: string; text: string },
  pick: (_title: string, items: Item[]): Item | undefined => items[0],
  input: (_title: string, value: string): string | undefined => value,
  open: (): string | undefined => undefined,
  message: (_kind: string, _text: string, _items: string[]): string | undefined => undefined,
  shown: [] as { kind: string; text: string }[],
  executed: [] as unknown[][],
  titles: [] as string[],
  terminal: undefined as Pty | undefined,
  output: '',
};

class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (l: (e: T) => void) => {
    this.listeners.push(l);
    return { dispose: () => undefined };
  };
  fire(e: T): void {
    for (const l of this.listeners) l(e);
  }
  dispose(): void {}
}

const say =
  (kind: string) =>
  async (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    ui.shown.push({ kind, text });
    return ui.message(
      kind,
      text,
      rest.filter((r): r is string => typeof r === 'string'),
    );
  };

const fakeVscode = {
  EventEmitter,
  ThemeIcon: class {},
  ProgressLocation: { Notification: 15 },
  workspace: {
    get isTrusted() {
      return ui.trusted;
    },
    get workspaceFolders() {
      return [{ uri: { fsPath: ui.folder } }];
    },
  },
  window: {
    get activeTextEditor() {
      const c = ui.activeConfig;
      return c && { document: { uri: { path: c.path, fsPath: c.path }, getText: () => c.text } };
    },
    showQuickPick: async (items: Item[], opts: { title: string }) => {
      ui.titles.push(opts.title);
      return ui.pick(opts.title, items);
    },
    showInputBox: async (opts: { title: string; value: string }) => {
      ui.titles.push(opts.title);
      return ui.input(opts.title, opts.value);
    },
    showOpenDialog: async () => {
      const p = ui.open();
      return p ? [{ fsPath: p }] : undefined;
    },
    showInformationMessage: say('info'),
    showWarningMessage: say('warning'),
    showErrorMessage: say('error'),
    createTerminal: (opts: { pty: Pty }) => {
      ui.terminal = opts.pty;
      opts.pty.onDidWrite((t) => (ui.output += t));
      setImmediate(() => opts.pty.open());
      return { show: () => undefined };
    },
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) =>
      task({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) }),
  },
  commands: {
    executeCommand: async (...args: unknown[]) => {
      ui.executed.push(args);
    },
  },
};

function load(): typeof SetupModule {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fakeVscode : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(__filename)('../../src/extension/commands/setupEnvironment') as typeof SetupModule;
  } finally {
    loader._load = original;
  }
}
const { setupEnvironment } = load();

/**
 * A stand-in `python`: `-m venv DIR` makes DIR/bin/python (itself) and DIR/bin/accelerate (`config default` writes
 * $HF_HOME/accelerate/default_config.yaml); `-m pip …` logs its arguments, or hangs when $SETUP_PIP_HANG names a pid file.
 */
function fakePython(dir: string): string {
  const file = join(dir, 'python3');
  writeFileSync(
    file,
    `#!/bin/sh
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && cat > "$3/bin/accelerate" <<'ACC'
#!/bin/sh
mkdir -p "$HF_HOME/accelerate" && echo "compute_environment: LOCAL_MACHINE" > "$HF_HOME/accelerate/default_config.yaml"
ACC
  chmod +x "$3/bin/accelerate"; exit 0
fi
if [ "$1 $2" = "-m pip" ]; then
  if [ -n "$SETUP_PIP_HANG" ]; then trap '' TERM; sleep 1000 & echo "$$ $!" > "$SETUP_PIP_HANG"; wait; fi
  echo "pip $*" >> "$(dirname "$0")/../pip.log"; echo "Successfully installed"; exit 0
fi
exit 9
`,
  );
  chmodSync(file, 0o755);
  return file;
}

function reset(folder: string): void {
  Object.assign(ui, { trusted: true, folder, activeConfig: undefined, shown: [], executed: [], titles: [], terminal: undefined, output: '' });
  ui.pick = (_t, items) => items[0];
  ui.input = (_t, value) => value;
  ui.open = () => undefined;
  ui.message = () => undefined;
}

const posixOnly = { skip: process.platform === 'win32' ? 'the stand-in python is a shell script' : false };

test('untrusted workspace: a warning, no question, no terminal, nothing run', async () => {
  reset(mkdtempSync(join(tmpdir(), 'sdxl-setup-cmd-')));
  ui.trusted = false;
  await setupEnvironment();
  assert.equal(ui.terminal, undefined);
  assert.deepEqual(ui.titles, []);
  assert.match(ui.shown[0]?.text ?? '', /untrusted workspace does not allow/);
});

test('the whole flow with the clone: defaults, the run in the terminal, then launch.python/scriptPath through applyRunFix', posixOnly, async () => {
  const ws = mkdtempSync(join(tmpdir(), 'sdxl-setup-cmd-'));
  reset(ws);
  const clone = join(ws, 'diffusers');
  mkdirSync(join(clone, 'examples/text_to_image'), { recursive: true });
  writeFileSync(join(clone, 'examples/text_to_image/train_text_to_image_lora_sdxl.py'), 'check_min_version("0.27.0")\n');
  const python = fakePython(ws);
  const hfHome = join(ws, 'hf');
  ui.activeConfig = { path: join(ws, 'a.sdxl.json'), text: JSON.stringify({ script: 'lora', launch: { env: { HF_HOME: hfHome } }, args: {} }) };
  const inputs: string[] = [];
  ui.input = (_t, value) => {
    inputs.push(value);
    return value === 'python3' ? python : value;
  };
  ui.pick = (title, items) => (title.includes('training script') ? items.find((i) => i.label.startsWith('Use My Clone')) : items[0]);
  ui.open = () => clone;
  ui.message = (kind, text, items) => (kind === 'info' && text.includes('is ready') ? items[0] : undefined);

  await setupEnvironment();

  // The kind came from the config: four questions, counted as such; the defaults offered.
  assert.deepEqual(
    ui.titles.map((t) => t.replace(/: .*/, '')),
    ['Set up training environment (1/4)', 'Set up training environment (2/4)', 'Set up training environment (3/4)', 'Set up training environment (4/4)'],
  );
  assert.deepEqual(inputs, ['python3', '.venv-sdxl']);
  const venv = join(ws, '.venv-sdxl');
  assert.match(ui.output, /\(1\/6\) Create the virtual environment/);
  assert.match(ui.output, /Setup done/);
  assert.ok(!/[^\r]\n/.test(ui.output), 'every line end is CR LF in the terminal');
  const pipLog = readFileSync(join(venv, 'pip.log'), 'utf8');
  assert.match(pipLog, /--index-url https:\/\/download\.pytorch\.org\/whl\/cu121 torch==2\.2\.2 torchvision==0\.17\.2/);
  assert.match(pipLog, /diffusers==0\.27\.2 accelerate==0\.28\.0 torchvision transformers==4\.39\.3 .*datasets peft==0\.10\.0/);
  assert.ok(existsSync(join(hfHome, 'accelerate/default_config.yaml')), "accelerate config under the config's HF_HOME");
  assert.deepEqual(ui.executed, [
    [
      'sdxl.applyRunFix',
      join(ws, 'a.sdxl.json'),
      {
        title: 'Use the environment that was set up',
        edits: [
          { op: 'set', path: '/launch/python', value: join(venv, 'bin/python') },
          { op: 'set', path: '/launch/scriptPath', value: join(clone, 'examples/text_to_image/train_text_to_image_lora_sdxl.py') },
        ],
      },
    ],
  ]);
});

test('a clone without the script is refused before anything runs', async () => {
  const ws = mkdtempSync(join(tmpdir(), 'sdxl-setup-cmd-'));
  reset(ws);
  ui.pick = (title, items) => (title.includes('training script') ? items.find((i) => i.label.startsWith('Use My Clone')) : items[0]);
  ui.open = () => ws;
  await setupEnvironment();
  assert.equal(ui.terminal, undefined);
  assert.match(ui.shown.at(-1)?.text ?? '', /examples\/text_to_image\/train_text_to_image_sdxl\.py is not in .*Pick the root folder of a diffusers clone/);
});

test('a failing step: the error names the step and the next thing to try', posixOnly, async () => {
  const ws = mkdtempSync(join(tmpdir(), 'sdxl-setup-cmd-'));
  reset(ws);
  ui.input = (_t, value) => (value === 'python3' ? join(ws, 'no-such-python') : value);
  await setupEnvironment();
  const err = ui.shown.find((s) => s.kind === 'error');
  assert.match(err?.text ?? '', /^SDXL: Setup failed at step 1\/6 "Create the virtual environment .*": .*no-such-python was not found\. Next: Check that/);
  assert.match(ui.output, /✗ Setup failed at step 1\/6/);
  assert.ok(!ui.executed.some((e) => e[0] === 'sdxl.applyRunFix'));
});

test('closing the terminal cancels: the step and what it started end, the setup says it is half done', posixOnly, async () => {
  const ws = mkdtempSync(join(tmpdir(), 'sdxl-setup-cmd-'));
  reset(ws);
  const python = fakePython(ws);
  const pids = join(ws, 'pids');
  process.env.SETUP_PIP_HANG = pids;
  try {
    ui.input = (_t, value) => (value === 'python3' ? python : value);
    const running = setupEnvironment();
    await waitFor(() => existsSync(pids) && readFileSync(pids, 'utf8').includes(' '), 'pip to start', 10_000);
    const [shell, sleeper] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    ui.terminal!.close();
    await running;
    assert.match(ui.shown.find((s) => s.kind === 'warning')?.text ?? '', /Cancelled during step 2\/6 "Upgrade pip": .* is half set up/);
    await waitFor(() => !pidAlive(shell!) && !pidAlive(sleeper!), 'the process tree to end', 10_000);
  } finally {
    delete process.env.SETUP_PIP_HANG;
  }
  // Run again on the same folder: the terminal says the last one did not finish.
  ui.shown = [];
  ui.output = '';
  ui.input = (_t, value) => (value === 'python3' ? join(ws, 'no-such-python') : value);
  await setupEnvironment();
  assert.match(ui.output, /Note: The last setup of .* was cancelled during step 2\/6 \(Upgrade pip\); it is half set up/);
});
