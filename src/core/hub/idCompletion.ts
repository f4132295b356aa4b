// Where completion of a Hub id applies: the cursor inside the string value of pretrained_model_name_or_path,
// pretrained_vae_model_name_or_path or dataset_name under "args". Returns what was typed so far (the search text)
// and the range of the string's content, to be replaced by the chosen id.
import { getLocation } from 'jsonc-parser';
import { HUB_ARGS, looksLikePath, type RepoKind } from './hubRefs';

export interface IdSlot {
  dest: string;
  kind: RepoKind;
  /** The string's content before the cursor. */
  typed: string;
  /** Offsets of the string's content (inside the quotes). */
  start: number;
  end: number;
}

export function hubIdSlotAt(text: string, offset: number): IdSlot | undefined {
  const loc = getLocation(text, offset);
  if (loc.isAtPropertyKey || loc.path.length !== 2 || loc.path[0] !== 'args') return undefined;
  const arg = HUB_ARGS.find((a) => a.dest === loc.path[1]);
  const node = loc.previousNode;
  if (!arg || !node || node.type !== 'string') return undefined;
  const start = node.offset + 1;
  // An unterminated string (still being typed) runs to the end of its line.
  const closed = text.charAt(node.offset + node.length - 1) === '"' && node.length >= 2;
  const end = closed ? node.offset + node.length - 1 : node.offset + node.length;
  if (offset < start || offset > end) return undefined;
  const typed = text.slice(start, offset);
  // A path being typed is not a Hub id.
  if (looksLikePath(typed)) return undefined;
  return { dest: arg.dest, kind: arg.kind, typed, start, end };
}
