// `sdxl-trainer generate-schemas DIR [--check]`: write schemas/*.json, or (--check) fail when they are out of date.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { renderSchemaFiles } from '../core/config/schema';
import { parseFlags, UsageError, type CliIo } from './io';

export async function generateSchemasCommand(args: string[], io: CliIo): Promise<number> {
  const { flags, positional } = parseFlags(args, ['check']);
  if (positional.length !== 1) throw new UsageError('usage: generate-schemas DIR [--check]');
  const dir = resolve(io.cwd, positional[0]!);
  const files = renderSchemaFiles();
  if (flags.has('check')) {
    const stale: string[] = [];
    for (const [name, text] of files) {
      let current: string | undefined;
      try {
        current = readFileSync(join(dir, name), 'utf8');
      } catch {
        current = undefined;
      }
      if (current !== text) stale.push(name);
    }
    if (stale.length > 0) {
      io.err(`Out of date in ${dir}: ${stale.join(', ')}. Run \`npm run generate\`.\n`);
      return 1;
    }
    io.out(`Schemas in ${dir} are up to date.\n`);
    return 0;
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) {
    writeFileSync(join(dir, name), text);
    io.out(`wrote ${join(dir, name)}\n`);
  }
  return 0;
}
