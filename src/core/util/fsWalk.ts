// Finding a run's files (event files, hparams.yml) below a folder without wandering into model weights.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Files below `root` whose name passes `match`, descending at most `maxDepth` folder levels. `checkpoint*` folders hold
 * model weights and never these files, and can be huge, so they are not entered; unreadable folders are skipped.
 */
export async function findFilesUnder(root: string, match: (name: string) => boolean, maxDepth: number): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isFile() && match(e.name)) out.push(p);
      else if (e.isDirectory() && depth < maxDepth && !e.name.startsWith('checkpoint')) await visit(p, depth + 1);
    }
  };
  await visit(root, 0);
  return out;
}
