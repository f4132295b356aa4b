// Whether a path some less trusted party names (the dashboard webview's `openCheckpoint`) lies inside given folders.
// Judged on real paths: symlinks and `..` are resolved by the file system first, so neither a link pointing out nor
// `out/../elsewhere` nor a sibling sharing a prefix (`/out-evil` beside `/out`) passes.
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

export type Contained = { ok: true; path: string } | { ok: false; reason: string };

/** `child` is `parent` or below it; both absolute and normalised. By path segments, so `/out-evil` is not in `/out`. */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * The real path of `candidate` (relative ones are taken against `base`) if it exists and lies within one of `roots`
 * (themselves taken by their real paths; roots that do not exist count for nothing), else why not.
 */
export async function containPath(candidate: string, roots: readonly string[], base: string): Promise<Contained> {
  if (candidate.includes('\0')) return { ok: false, reason: 'the path holds a NUL character' };
  if (!isAbsolute(candidate) && !isAbsolute(base)) return { ok: false, reason: 'a relative path with no folder to take it against' };
  // Not path.resolve: that folds `link/..` away by the text before the file system has followed `link`.
  const raw = isAbsolute(candidate) ? candidate : `${base}${sep}${candidate}`;
  let real: string;
  try {
    real = await realpath(raw);
  } catch {
    return { ok: false, reason: 'it does not exist' };
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = await realpath(root);
    } catch {
      continue;
    }
    if (isWithin(realRoot, real)) return { ok: true, path: real };
  }
  return { ok: false, reason: `${real} is outside the run's folders` };
}
