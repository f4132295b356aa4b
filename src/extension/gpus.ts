// GPU memory as nvidia-smi reports it, queried once per session and only in a trusted workspace.
import * as vscode from 'vscode';
import { queryGpus } from '../core/gpu/gpuQuery';
import type { GpuInfo } from '../core/diagnostics';

export class GpuInventory {
  private pending: Promise<GpuInfo[] | undefined> | undefined;

  get(): Promise<GpuInfo[] | undefined> {
    if (!vscode.workspace.isTrusted) return Promise.resolve(undefined);
    if (!this.pending) {
      const exe = vscode.workspace.getConfiguration('sdxl').get<string>('nvidiaSmiPath') || 'nvidia-smi';
      this.pending = queryGpus(exe).catch(() => undefined);
    }
    return this.pending;
  }

  reset(): void {
    this.pending = undefined;
  }
}
