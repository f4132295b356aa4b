// Keys written twice in one object. JSON keeps the last (so does the launch), silently: `"script"` twice runs the
// second script. Every repeat is reported, at any depth, on the occurrences that are ignored.
import type { Node } from 'jsonc-parser';
import { LAUNCH_KEYS, pathToPointer, type ParsedConfig } from '../config/config';
import { SCRIPTS } from '../scripts/scriptTables';
import type { DiagnosticSink, Fix } from './types';

/** Whether the value at `[...parent, key]` decides what is launched (then two different values are an error). */
function decidesLaunch(parsed: ParsedConfig, parent: readonly string[], key: string): boolean {
  const [top, sub] = parent;
  if (parent.length === 0) return key === 'script' || key === 'args' || key === 'launch';
  if (parent.length === 1 && top === 'args') return !parsed.config || SCRIPTS[parsed.config.script].byDest.has(key);
  if (parent.length === 1 && top === 'launch') return (LAUNCH_KEYS as readonly string[]).includes(key);
  // Every environment variable is set, and every accelerate option is passed (an unknown one makes accelerate fail).
  return parent.length === 2 && top === 'launch' && (sub === 'env' || sub === 'accelerateArgs');
}

function where(parent: readonly string[]): string {
  return parent.length === 0 ? 'at the top level' : `in "${parent.join('.')}"`;
}

function show(key: string): string {
  return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
}

interface Pending {
  node: Node;
  path: string[];
  /** False inside a value that is itself an ignored duplicate: its own repeats change nothing. */
  live: boolean;
}

export function checkDuplicateKeys(parsed: ParsedConfig, sink: DiagnosticSink): void {
  if (!parsed.root) return;
  const valueText = (prop: Node): string => {
    const v = prop.children?.[1];
    return v ? parsed.text.slice(v.offset, v.offset + v.length) : '';
  };
  // An explicit stack, not recursion: the depth is bounded by MAX_NESTING, but nothing here should depend on it.
  const stack: Pending[] = [{ node: parsed.root, path: [], live: true }];
  while (stack.length > 0) {
    const { node, path, live } = stack.pop()!;
    const children = node.children ?? [];
    if (node.type === 'array') {
      children.forEach((c, i) => {
        if (c.type === 'object' || c.type === 'array') stack.push({ node: c, path: [...path, String(i)], live });
      });
      continue;
    }
    if (node.type !== 'object') continue;
    // The last property of each name (the one in effect), and every property of the names that repeat.
    const lastOf = new Map<string, Node>();
    let repeats: Map<string, Node[]> | undefined;
    for (const prop of children) {
      const key = prop.children?.[0]?.value;
      if (typeof key !== 'string') continue;
      const before = lastOf.get(key);
      if (before) {
        repeats ??= new Map();
        const all = repeats.get(key);
        if (all) all.push(prop);
        else repeats.set(key, [before, prop]);
      }
      lastOf.set(key, prop);
    }
    for (const prop of children) {
      const key = prop.children?.[0]?.value;
      const value = prop.children?.[1];
      if (typeof key === 'string' && value && (value.type === 'object' || value.type === 'array')) {
        stack.push({ node: value, path: [...path, key], live: live && lastOf.get(key) === prop });
      }
    }
    for (const [key, props] of repeats ?? []) reportRepeats(parsed, sink, path, key, props, live, valueText);
  }
}

function reportRepeats(
  parsed: ParsedConfig,
  sink: DiagnosticSink,
  parent: string[],
  key: string,
  props: Node[],
  live: boolean,
  valueText: (prop: Node) => string,
): void {
  const last = props[props.length - 1]!;
  const lastLine = sink.index.lines.at(last.offset).line;
  const ptr = pathToPointer([...parent, key]);
  const launch = live && decidesLaunch(parsed, parent, key);
  props.slice(0, -1).forEach((prop, i) => {
    const keyNode = prop.children![0]!;
    const same = valueText(prop) === valueText(last);
    const message = same
      ? `Duplicate key ${show(key)} ${where(parent)}, with the same value as on line ${lastLine}: remove one of them.`
      : `Duplicate key ${show(key)} ${where(parent)}: only the last one (line ${lastLine}) counts, so this value is ignored` +
        `${launch ? ' and the run uses the other one' : ''}. Remove one of them.`;
    // A pointer names the first of equal keys when a fix is applied, so only that one can be removed by its pointer.
    const fix: Fix | undefined = i === 0 ? { title: `Remove this duplicate ${show(key)}`, edits: [{ op: 'remove', path: ptr }] } : undefined;
    sink.addAt(launch && !same ? 'error' : 'warning', 'duplicate-key', ptr, message, keyNode.offset, keyNode.length, fix);
  });
}
