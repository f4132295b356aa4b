// The Compare Samples panel's CLIP (comparePanel.ts CompareClip) in the editor: the model of `sdxl.clip.model` (the id
// the run scoring keys its scores by), looked for on this machine without downloading; scoring through the shared
// ClipService, which asks before it downloads. Only in a trusted workspace, as all CLIP scoring.
import * as vscode from 'vscode';
import { DEFAULT_CLIP_MODEL, localClipModel } from '../../core/clip/clipModelFiles';
import type { ImageTextScorer } from '../../core/clip/types';
import { hubCacheDir } from '../../core/hub/cachePaths';
import { errText } from '../../core/util/errText';
import { setting } from '../settings';
import type { CompareClip } from './comparePanel';

export function editorCompareClip(scorer: ImageTextScorer): CompareClip {
  const modelId = () => setting('clip.model').trim() || DEFAULT_CLIP_MODEL;
  return {
    modelId,
    local: async () => {
      const baseDir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      try {
        return (await localClipModel(modelId(), { cacheDir: hubCacheDir(process.env), ...(baseDir ? { baseDir } : {}) })) !== undefined;
      } catch (e) {
        return { error: errText(e) };
      }
    },
    scorer,
    enabled: () => vscode.workspace.isTrusted,
  };
}
