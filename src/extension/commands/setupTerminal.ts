// The terminal a setup runs in: a Pseudoterminal fed by the core step runner (no shell, no command string typed
// anywhere). Closing it or Ctrl+C cancels the setup; the runner kills the running step's process tree.
import * as vscode from 'vscode';

export class SetupTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<void>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  private resolveOpened!: () => void;
  /** Resolves when VS Code shows the terminal: what is written before that is lost. */
  readonly opened = new Promise<void>((r) => (this.resolveOpened = r));

  constructor(private readonly cancel: () => void) {}

  open(): void {
    this.resolveOpened();
  }

  close(): void {
    this.cancel();
    this.resolveOpened();
  }

  handleInput(data: string): void {
    if (data === '\x03') this.cancel();
  }

  /** Text as a terminal wants it: every line end as CR LF (a lone `\r`, pip's progress bar, stays as it is). */
  write(text: string): void {
    this.writer.fire(text.replace(/\r?\n/g, '\r\n'));
  }

  dispose(): void {
    this.writer.dispose();
    this.closer.dispose();
  }
}
