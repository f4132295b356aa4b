// The scratch document of "SDXL: New Config from Command Line…". A README's command spans lines (`export …` lines,
// `\` continuations), which a one-line input box flattens, so the command is pasted into a document instead and
// imported from there exactly as `sdxl-trainer import --stdin` imports it (importCommandText).

/** First line of the document; it is how the extension recognises one (also after a window reload). */
export const IMPORT_DOCUMENT_MARK = '# SDXL: New Config from Command Line';

/** The new document's text: a comment header (the import skips `#` comments) and an empty line to paste on. */
export function importDocumentText(): string {
  return [
    IMPORT_DOCUMENT_MARK,
    '# Paste the `accelerate launch …` or `python train_….py …` command below, as the README writes it (its',
    '# `export NAME=…` lines and `\\` line continuations included), then run "SDXL: Import Command Line": the',
    '# "Import Command Line" link above, or the button in the editor title bar. Lines starting with # are ignored.',
    '',
    '',
  ].join('\n');
}

export function isImportDocument(firstLine: string): boolean {
  return firstLine.trimEnd() === IMPORT_DOCUMENT_MARK;
}
