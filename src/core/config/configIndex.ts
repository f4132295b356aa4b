// Positions in a parsed config in time linear in its size: the line starts are found once and each object's members
// indexed once, so each diagnostic's line costs a binary search and its node a walk down its path, not a rescan.
import type { Node } from 'jsonc-parser';
import type { ParsedConfig } from './config';
import { pointerToPath } from '../util/jsonPointer';
import type { WorkCounter } from '../util/workCounter';

/** 1-based line and column of offsets in one text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(
    text: string,
    private readonly work?: WorkCounter,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    if (work) work.lineSteps += text.length;
  }

  at(offset: number): { line: number; column: number } {
    // The last line start at or before the offset.
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
      if (this.work) this.work.lineSteps++;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}

/** The last property of an object node named `key` (the one JSON.parse and the launch keep), or undefined. */
export function lastMember(node: Node, key: string): Node | undefined {
  let found: Node | undefined;
  for (const p of node.children ?? []) if (p.children?.[0]?.value === key) found = p.children[1];
  return found;
}

export class ConfigIndex {
  readonly lines: LineIndex;
  /** Per object node met on a lookup: member name → value node, the last one where a key repeats. */
  private readonly members = new Map<Node, Map<string, Node>>();

  constructor(
    private readonly parsed: ParsedConfig,
    private readonly work?: WorkCounter,
  ) {
    this.lines = new LineIndex(parsed.text, work);
  }

  /** The value node at a pointer, or at its deepest ancestor that exists (the root when none does). */
  private deepest(pointer: string): { node: Node | undefined; depth: number } {
    let node = this.parsed.root;
    let depth = 0;
    for (const seg of pointerToPath(pointer)) {
      const next = node?.type === 'object' ? this.membersOf(node).get(seg) : undefined;
      if (this.work) this.work.nodeVisits++;
      if (!next) break;
      node = next;
      depth++;
    }
    return { node, depth };
  }

  private membersOf(node: Node): Map<string, Node> {
    let map = this.members.get(node);
    if (!map) {
      map = new Map();
      for (const p of node.children ?? []) {
        const [k, v] = p.children ?? [];
        if (k && v && typeof k.value === 'string') map.set(k.value, v);
      }
      if (this.work) this.work.nodeVisits += node.children?.length ?? 0;
      this.members.set(node, map);
    }
    return map;
  }

  /** Source range of the value (or, with `key`, the property name) at a pointer; falls back to the nearest ancestor. */
  range(pointer: string, key = false): { offset: number; length: number } {
    const { node, depth } = this.deepest(pointer);
    if (!node) return { offset: 0, length: 0 };
    if (depth === 0) return { offset: node.offset, length: 1 };
    const name = key && node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return name ? { offset: name.offset, length: name.length } : { offset: node.offset, length: node.length };
  }
}

const cached = new WeakMap<ParsedConfig, ConfigIndex>();

/** The index of a parsed config, built on first use and kept as long as the parse is. */
export function configIndex(parsed: ParsedConfig): ConfigIndex {
  let index = cached.get(parsed);
  if (!index) {
    index = new ConfigIndex(parsed);
    cached.set(parsed, index);
  }
  return index;
}
