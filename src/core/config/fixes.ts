// Turns a diagnostic's Fix (edits by JSON pointer) into text edits that keep the file's formatting and comments.
import { applyEdits, findNodeAtLocation, modify, parseTree, type Edit, type FormattingOptions, type Node as JsonNode } from 'jsonc-parser';
import { pointerToPath } from './config';

/** One change to the config, addressed by JSON pointer so it survives reformatting; see applyFix below for the text edits. */
export type FixEdit = { op: 'set'; path: string; value: unknown } | { op: 'remove'; path: string } | { op: 'rename'; path: string; newKey: string };

export interface Fix {
  title: string;
  edits: FixEdit[];
}

export interface TextEdit {
  offset: number;
  length: number;
  content: string;
}

/** Indentation and line ending of an existing document, so inserted properties look like their neighbours. */
export function detectFormatting(text: string): FormattingOptions {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let tabs = 0;
  let spaceIndent = Infinity;
  for (const line of text.split(/\r?\n/)) {
    const m = /^([ \t]+)\S/.exec(line);
    if (!m) continue;
    if (m[1]!.startsWith('\t')) tabs++;
    else spaceIndent = Math.min(spaceIndent, m[1]!.length);
  }
  const insertSpaces = !(tabs > 0 && spaceIndent === Infinity);
  return { insertSpaces, tabSize: insertSpaces ? (Number.isFinite(spaceIndent) ? spaceIndent : 2) : 4, eol };
}

/** The pointer as jsonc-parser's path: a segment into an array of the document becomes its numeric index. */
function documentPath(text: string, pointer: string): (string | number)[] {
  let node: JsonNode | undefined = parseTree(text);
  return pointerToPath(pointer).map((seg) => {
    if (node?.type === 'array' && /^(?:0|[1-9]\d*)$/.test(seg)) {
      node = node.children?.[Number(seg)];
      return Number(seg);
    }
    node = node?.type === 'object' ? findNodeAtLocation(node, [seg]) : undefined;
    return seg;
  });
}

function editsFor(text: string, edit: FixEdit, formattingOptions: FormattingOptions): Edit[] {
  const path = documentPath(text, edit.path);
  if (path.length === 0) return [];
  if (edit.op === 'set') return modify(text, path, edit.value, { formattingOptions });
  if (edit.op === 'remove') return modify(text, path, undefined, { formattingOptions });
  // rename: rewrite only the key token, so the value and any comments stay as they are.
  const root = parseTree(text);
  const node = root && findNodeAtLocation(root, path);
  const keyNode = node?.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
  if (!root || !keyNode) return [];
  const parent = findNodeAtLocation(root, path.slice(0, -1));
  const clash = parent?.type === 'object' && parent.children?.some((p) => p.children?.[0]?.value === edit.newKey);
  if (clash) {
    // The new name exists already: the renamed value wins, as the user's latest intent.
    const value: unknown = JSON.parse(text.slice(node!.offset, node!.offset + node!.length).trim() || 'null');
    const first = modify(text, [...path.slice(0, -1), edit.newKey], value, { formattingOptions });
    const next = applyEdits(text, first);
    return combine(text, applyEdits(next, modify(next, path, undefined, { formattingOptions })));
  }
  return [{ offset: keyNode.offset, length: keyNode.length, content: JSON.stringify(edit.newKey) }];
}

/** One edit replacing the span where two texts differ. */
function combine(before: string, after: string): Edit[] {
  if (before === after) return [];
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  return [{ offset: start, length: endB - start, content: after.slice(start, endA) }];
}

/**
 * Text edits for a fix, relative to `text`. A single-edit fix gives jsonc-parser's own edits; a fix of several edits
 * is applied in turn and returned as one replacement, since later edits depend on the earlier ones.
 * Returns [] when the fix cannot apply (for example, the parent is not an object).
 */
export function fixToTextEdits(text: string, fix: Fix): TextEdit[] {
  const formatting = detectFormatting(text);
  try {
    if (fix.edits.length === 1) {
      const edits = editsFor(text, fix.edits[0]!, formatting).map(({ offset, length, content }) => ({ offset, length, content }));
      // In a text that does not parse (an unterminated comment, say) jsonc-parser can give edits that overlap or run
      // past the end, which no editor can apply: no fix then.
      return wellFormed(text, edits) ? edits : [];
    }
    let current = text;
    for (const e of fix.edits) current = applyEdits(current, editsFor(current, e, formatting));
    return combine(text, current).map(({ offset, length, content }) => ({ offset, length, content }));
  } catch {
    return [];
  }
}

/** Edits inside the text that do not overlap one another. */
function wellFormed(text: string, edits: readonly TextEdit[]): boolean {
  const sorted = [...edits].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const e of sorted) {
    if (e.offset < end || e.length < 0 || e.offset + e.length > text.length) return false;
    end = e.offset + e.length;
  }
  return true;
}

export function applyFix(text: string, fix: Fix): string {
  return applyEdits(text, fixToTextEdits(text, fix));
}

/** A setting as people name it: `train_batch_size` for `/args/train_batch_size`, `launch.python` for `/launch/python`. */
function settingName(pointer: string): string {
  const path = pointerToPath(pointer);
  return (path[0] === 'args' && path.length === 2 ? path.slice(1) : path).join('.');
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

/** `a`, `a and b`, `a, b and c`. */
function listText(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * What a fix changes, as a sentence without the final stop: "Set train_batch_size to 1 and gradient_checkpointing to
 * true", "Removed hub_token", "Renamed lr to learning_rate".
 */
export function describeFix(fix: Fix): string {
  const sets: string[] = [];
  const removed: string[] = [];
  const renamed: string[] = [];
  for (const e of fix.edits) {
    if (e.op === 'set') sets.push(`${settingName(e.path)} to ${valueText(e.value)}`);
    else if (e.op === 'remove') removed.push(settingName(e.path));
    else renamed.push(`${settingName(e.path)} to ${e.newKey}`);
  }
  const clauses = [
    ...(sets.length ? [`set ${listText(sets)}`] : []),
    ...(removed.length ? [`removed ${listText(removed)}`] : []),
    ...(renamed.length ? [`renamed ${listText(renamed)}`] : []),
  ];
  const text = clauses.join('; ') || fix.title;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What to tell the user once a fix was applied to a config file: "Set train_batch_size to 1 in foo.sdxl.json." */
export function fixAppliedMessage(fix: Fix, configFileName: string): string {
  return `${describeFix(fix)} in ${configFileName}.`;
}
