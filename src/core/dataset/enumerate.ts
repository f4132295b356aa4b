// The files the scripts would read from a folder, found the way they find them:
//  - imagefolder: every file below the folder (datasets' data_files "<dir>/**"), hidden files and folders skipped as
//    datasets skips them; which of them are images is decided by extension afterwards (imageFormats.ts).
//  - DreamBooth: `Path(dir).iterdir()`, one level, every entry, hidden ones too (a .DS_Store is opened as an image).
// Symlinks are followed when they stay inside the folder; one pointing outside is reported and not opened, so a
// check never reads a file the user did not put in the dataset. Folders are visited once (a link loop ends).
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isWithin } from '../util/pathContainment';

export type FolderEntry =
  | { kind: 'file'; path: string }
  /** A symlink whose target is outside the folder (or missing): not opened. */
  | { kind: 'outside'; path: string; target?: string }
  /** DreamBooth only: a folder in the instance folder, which the script's Image.open fails on. */
  | { kind: 'dir'; path: string }
  /** DreamBooth only: a FIFO, socket or device: never opened (reading a FIFO would block), and no image. */
  | { kind: 'special'; path: string };

export class FolderError extends Error {}

async function rootReal(dir: string): Promise<string> {
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new FolderError(`${dir} is not a folder`);
    return await realpath(dir);
  } catch (e) {
    if (e instanceof FolderError) throw e;
    throw new FolderError(`${dir} does not exist`);
  }
}

/** Where a symlink leads: its real path and whether that is a folder, or undefined when it dangles. */
async function follow(path: string): Promise<{ real: string; isDir: boolean; isFile: boolean } | undefined> {
  try {
    const real = await realpath(path);
    const s = await stat(real);
    return { real, isDir: s.isDirectory(), isFile: s.isFile() };
  } catch {
    return undefined;
  }
}

export async function* walkImagefolder(dir: string, signal?: AbortSignal): AsyncGenerator<FolderEntry> {
  const root = await rootReal(dir);
  const seen = new Set<string>([root]);
  const stack: string[] = [dir];
  while (stack.length > 0) {
    if (signal?.aborted) return;
    const current = stack.pop()!;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(current, e.name);
      if (e.isSymbolicLink()) {
        const target = await follow(p);
        if (!target || !isWithin(root, target.real)) {
          yield { kind: 'outside', path: p, ...(target ? { target: target.real } : {}) };
          continue;
        }
        if (target.isDir) {
          if (!seen.has(target.real)) {
            seen.add(target.real);
            subdirs.push(p);
          }
        } else if (target.isFile) yield { kind: 'file', path: p };
      } else if (e.isDirectory()) {
        const real = await realpath(p).catch(() => p);
        if (!seen.has(real)) {
          seen.add(real);
          subdirs.push(p);
        }
      } else if (e.isFile()) yield { kind: 'file', path: p };
    }
    // Depth-first in name order: pushed reversed so the first name is visited first.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

export async function* listDreamboothFolder(dir: string): AsyncGenerator<FolderEntry> {
  const root = await rootReal(dir);
  const names = (await readdir(dir)).sort();
  for (const name of names) {
    const p = join(dir, name);
    let info;
    try {
      info = await lstat(p);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) {
      const target = await follow(p);
      if (!target || !isWithin(root, target.real)) yield { kind: 'outside', path: p, ...(target ? { target: target.real } : {}) };
      else if (target.isDir) yield { kind: 'dir', path: p };
      else if (target.isFile) yield { kind: 'file', path: p };
      else yield { kind: 'special', path: p };
    } else if (info.isDirectory()) yield { kind: 'dir', path: p };
    else if (info.isFile()) yield { kind: 'file', path: p };
    else yield { kind: 'special', path: p };
  }
}
