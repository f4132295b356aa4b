// GPU memory as nvidia-smi reports it, queried once (again after trust is granted or sdxl.nvidiaSmiPath changes) and
// only in a trusted workspace.
import * as vscode from 'vscode';
import { setting } from './settings';
import { queryGpus } from '../core/gpu/gpuQuery';
import type { GpuInfo } from '../core/diagnostics';

export class GpuInventory {
  private pending: Promise<GpuInfo[] | undefined> | undefined;

  get(): Promise<GpuInfo[] | undefined> {
    if (!vscode.workspace.isTrusted) return Promise.resolve(undefined);
    if (!this.pending) {
      const exe = setting('nvidiaSmiPath');
      // queryGpus resolves undefined on every failure it knows; this keeps a surprise from caching a rejection.
      this.pending = queryGpus(exe).catch(() => undefined);
    }
    return this.pending;
  }

  reset(): void {
    this.pending = undefined;
  }
}
