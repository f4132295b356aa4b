// Extension entry point. One owner object (SdxlExtension) holds every disposable for the extension's lifetime.
import type * as vscode from 'vscode';
import { SdxlExtension } from './sdxlExtension';

let instance: SdxlExtension | undefined;

export function activate(context: vscode.ExtensionContext): void {
  instance = new SdxlExtension(context);
}

export function deactivate(): void {
  instance?.dispose();
  instance = undefined;
}
