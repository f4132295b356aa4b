// A scripted `vscode` stand-in and fake generation jobs for the tests of the GenerationsController, the Generate
// Samples commands and the Runs view's sample rows. Jobs are folders in `.sdxl/generations`; each holds the state its
// fake monitor reports (state.json), so a test plays a job by rewriting that file and calling `tick`.
import Module, { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { RunEntry } from '../../src/core/supervisor/runRecord';
import type { GenerationState } from '../../src/core/generate/types';
import type { GenerationJobs, JobMonitor, JobStartOptions } from '../../src/extension/generate/generationJobs';

export interface QuickInput {
  kind: 'pick' | 'input';
  title?: string;
  step?: number;
  value: string;
  prompt?: string;
  placeholder?: string;
  validationMessage?: string;
  items: Array<{ label: string }>;
  selectedItems: Array<{ label: string }>;
  activeItems: Array<{ label: string }>;
  canSelectMany?: boolean;
  ignoreFocusOut?: boolean;
  buttons: unknown[];
}

/** What the user does with one question: Enter, Back, Escape, or change the answer first. */
export type Act = { do: 'accept'; value?: string; pick?: string[] } | { do: 'back' } | { do: 'hide' };

export const ui = {
  trusted: true,
  folder: '',
  /** Answers to the questions, in order; each sees the question. */
  script: [] as Array<(q: QuickInput) => Act>,
  asked: [] as QuickInput[],
  messages: [] as Array<{ kind: string; text: string; items: string[] }>,
  answer: (_kind: string, _text: string, _items: string[]): string | undefined => undefined,
  quickPick: (items: Array<{ label: string; id?: string }>): { label: string; id?: string } | undefined => items[0],
  executed: [] as unknown[][],
  progress: [] as Array<{ message?: string }>,
  /** Set by withProgress: cancels the notification's task. */
  cancel: undefined as undefined | (() => void),
  /** What was written to the clipboard, and the status bar messages. */
  clipboard: [] as string[],
  statusBar: [] as string[],
};

export function resetUi(folder: string): void {
  Object.assign(ui, {
    trusted: true,
    folder,
    script: [],
    asked: [],
    messages: [],
    executed: [],
    progress: [],
    cancel: undefined,
    clipboard: [],
    statusBar: [],
  });
  ui.answer = () => undefined;
  ui.quickPick = (items) => items[0];
}

class EventEmitter<T> {
  private listeners = new Set<(e: T) => void>();
  event = (l: (e: T) => void) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

function quickInput(kind: 'pick' | 'input'): QuickInput & Record<string, unknown> {
  const on = () => new EventEmitter<unknown>();
  const accept = on();
  const hide = on();
  const button = on();
  const change = on();
  const q: QuickInput & Record<string, unknown> = {
    kind,
    value: '',
    items: [] as Array<{ label: string }>,
    selectedItems: [] as Array<{ label: string }>,
    activeItems: [] as Array<{ label: string }>,
    buttons: [] as unknown[],
    onDidAccept: accept.event,
    onDidHide: hide.event,
    onDidTriggerButton: button.event,
    onDidChangeValue: change.event,
    onDidChangeSelection: on().event,
    dispose: () => undefined,
    show: () => {
      ui.asked.push(q);
      const next = ui.script.shift();
      setImmediate(() => {
        const act: Act = next ? next(q) : { do: 'hide' };
        if (act.do === 'hide') return hide.fire(undefined);
        if (act.do === 'back') return button.fire(undefined);
        if (act.value !== undefined) {
          q.value = act.value;
          change.fire(act.value);
        }
        if (act.pick) q.selectedItems = q.items.filter((i) => act.pick!.includes(i.label));
        if (kind === 'pick' && !q.canSelectMany) q.activeItems = q.selectedItems.length ? q.selectedItems : q.items.slice(0, 1);
        accept.fire(undefined);
        // A question still open after Enter (an answer it refused) is left with Escape, as a user would.
        setImmediate(() => {
          if (ui.asked[ui.asked.length - 1] === q && q.validationMessage) hide.fire(undefined);
        });
      });
    },
  };
  return q;
}

const say =
  (kind: string) =>
  async (text: string, ...rest: unknown[]): Promise<string | undefined> => {
    const items = rest.filter((r): r is string => typeof r === 'string');
    ui.messages.push({ kind, text, items });
    return ui.answer(kind, text, items);
  };

class TreeItem {
  id?: string;
  description?: string;
  iconPath?: unknown;
  contextValue?: string;
  tooltip?: unknown;
  command?: unknown;
  constructor(
    readonly label: string,
    public collapsibleState = 0,
  ) {}
}

class MarkdownString {
  value = '';
  supportThemeIcons = false;
  appendMarkdown(t: string): this {
    this.value += t;
    return this;
  }
  appendText(t: string): this {
    this.value += t;
    return this;
  }
}

export const fakeVscode = {
  EventEmitter,
  TreeItem,
  MarkdownString,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class {
    constructor(
      readonly id: string,
      readonly color?: unknown,
    ) {}
  },
  ThemeColor: class {
    constructor(readonly id: string) {}
  },
  ProgressLocation: { Notification: 15 },
  QuickInputButtons: { Back: { id: 'back' } },
  Uri: { file: (p: string) => ({ fsPath: p, path: p, scheme: 'file' }) },
  workspace: {
    get isTrusted() {
      return ui.trusted;
    },
    get workspaceFolders() {
      return [{ uri: { fsPath: ui.folder, scheme: 'file' } }];
    },
    getConfiguration: () => ({ get: () => undefined }),
    onDidChangeConfiguration: () => ({ dispose: () => undefined }),
    onDidGrantWorkspaceTrust: () => ({ dispose: () => undefined }),
    asRelativePath: (p: string | { fsPath: string }) => (typeof p === 'string' ? p : p.fsPath).replace(`${ui.folder}/`, ''),
  },
  window: {
    showInformationMessage: say('info'),
    showWarningMessage: say('warning'),
    showErrorMessage: say('error'),
    showQuickPick: async (items: Array<{ label: string; id?: string }>) => ui.quickPick(items),
    createQuickPick: () => quickInput('pick'),
    createInputBox: () => quickInput('input'),
    withProgress: (_o: unknown, task: (p: unknown, t: unknown) => Promise<unknown>) => {
      const cancel = new EventEmitter<void>();
      ui.cancel = () => cancel.fire();
      return task({ report: (r: { message?: string }) => ui.progress.push(r) }, { onCancellationRequested: cancel.event });
    },
    setStatusBarMessage: (text: string) => {
      ui.statusBar.push(text);
      return { dispose: () => undefined };
    },
  },
  env: {
    clipboard: {
      writeText: async (text: string) => void ui.clipboard.push(text),
    },
  },
  commands: {
    executeCommand: async (...args: unknown[]) => {
      ui.executed.push(args);
    },
  },
};

/** Requires `modulePath` (relative to this folder) with `vscode` replaced by the fake above. */
export function loadWithVscode<T>(modulePath: string): T {
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = function (request, parent, isMain) {
    return request === 'vscode' ? fakeVscode : original.call(this, request, parent, isMain);
  };
  try {
    return createRequire(__filename)(modulePath) as T;
  } finally {
    loader._load = original;
  }
}

export const STATE_FILE = 'state.json';

export function writeJobState(recordDir: string, state: GenerationState): void {
  mkdirSync(recordDir, { recursive: true });
  writeFileSync(join(recordDir, STATE_FILE), JSON.stringify(state));
}

class FakeMonitor implements JobMonitor {
  state: GenerationState;
  started = false;
  disposed = false;
  private listeners = new Set<() => void>();
  constructor(readonly dir: string) {
    this.state = this.read();
  }
  private read(): GenerationState {
    return JSON.parse(readFileSync(join(this.dir, STATE_FILE), 'utf8')) as GenerationState;
  }
  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  start(): void {
    this.started = true;
  }
  /** Reads state.json again and tells the listeners when it changed (the real monitor's poll). */
  poll(): void {
    if (this.disposed) return;
    const next = this.read();
    if (JSON.stringify(next) === JSON.stringify(this.state)) return;
    this.state = next;
    for (const l of this.listeners) l();
  }
  dispose(): void {
    this.disposed = true;
  }
}

/** Jobs as folders of `<workspace>/.sdxl/generations`; start() makes one, stop() marks it stopped. */
export class FakeJobs implements GenerationJobs {
  readonly monitors: FakeMonitor[] = [];
  readonly started: JobStartOptions[] = [];
  readonly stopped: string[] = [];
  generationsDir(root: string): string {
    return join(root, '.sdxl', 'generations');
  }
  async list(sup: { recordsDir: string }): Promise<RunEntry[]> {
    let names: string[] = [];
    try {
      names = readdirSync(sup.recordsDir).sort();
    } catch {
      return [];
    }
    return names.map((id) => ({ dir: join(sup.recordsDir, id), record: { id } }) as unknown as RunEntry);
  }
  async start(sup: { recordsDir: string }, opts: JobStartOptions): Promise<RunEntry> {
    this.started.push(opts);
    const id = `job-${this.started.length}`;
    const outputDir = join(opts.workspaceRoot, '.sdxl', 'samples', id);
    mkdirSync(outputDir, { recursive: true });
    const total = opts.settings.sources.length * opts.settings.prompts.length * opts.settings.numImages;
    writeJobState(join(sup.recordsDir, id), {
      jobId: id,
      ...(opts.runId ? { runId: opts.runId } : {}),
      name: opts.name,
      outputDir,
      status: 'starting',
      settings: opts.settings,
      total,
      images: [],
      startedAt: new Date().toISOString(),
    });
    return { dir: join(sup.recordsDir, id), record: { id } } as unknown as RunEntry;
  }
  async stop(sup: { recordsDir: string }, jobId: string): Promise<void> {
    this.stopped.push(jobId);
    const dir = join(sup.recordsDir, jobId);
    const s = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as GenerationState;
    writeJobState(dir, { ...s, status: 'stopped' });
  }
  /** As deleteGeneration: the record, and the images folder only when it lies under .sdxl/samples. */
  async delete(sup: { recordsDir: string }, root: string, jobId: string): Promise<void> {
    const dir = join(sup.recordsDir, jobId);
    const s = JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')) as GenerationState;
    if (resolve(s.outputDir).startsWith(join(root, '.sdxl', 'samples') + sep)) rmSync(s.outputDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  monitor(dir: string): JobMonitor {
    const m = new FakeMonitor(dir);
    this.monitors.push(m);
    return m;
  }
  /** Every live monitor reads its file again. */
  tick(): void {
    for (const m of this.monitors) m.poll();
  }
}
