// Above a `slurm`-profile config's "launch": Start says what it does there, "Submit to Slurm (partition …, nodes ×
// GPUs)", and the job script is a click away (the Launch Command view shows it).
import * as vscode from 'vscode';
import { rangeOf } from '../core/config/config';
import { slurmSubmitTitle } from '../core/view/slurmView';
import { parseDocument, rangeFromOffsets } from './configDocuments';

/** As the memory lens: past this size the config is not parsed on every edit. */
const LENS_MAX_CHARS = 256 * 1024;

export class SlurmCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (doc.getText().length > LENS_MAX_CHARS) return [];
    const parsed = parseDocument(doc);
    if (!parsed.config) return [];
    const title = slurmSubmitTitle(parsed.config);
    if (!title) return [];
    const { offset, length } = rangeOf(parsed, '/launch', true);
    const range = rangeFromOffsets(doc, offset, length);
    return [
      new vscode.CodeLens(range, {
        title: `$(cloud-upload) ${title}`,
        tooltip: 'Start: submit this config as an sbatch job',
        command: 'sdxl.startRun',
        arguments: [doc.uri],
      }),
      new vscode.CodeLens(range, { title: '$(file-code) Show Job Script', command: 'sdxl.showLaunchCommand', arguments: [doc.uri] }),
    ];
  }
}
