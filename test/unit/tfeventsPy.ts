// Test helper: runs Python snippets with test/fixtures/trainer on sys.path, so tests can produce event files with the
// stdlib writer the stand-in trainer uses (an implementation independent of the TypeScript reader).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findFixtureDir(): string {
  // Works from test/unit (tsx) and from out/test/unit (compiled): walk up to the repository root.
  for (let d = __dirname; ; d = dirname(d)) {
    const candidate = join(d, 'test', 'fixtures', 'trainer');
    if (existsSync(join(candidate, 'tfevents.py'))) return candidate;
    if (dirname(d) === d) throw new Error('test/fixtures/trainer/tfevents.py not found above ' + __dirname);
  }
}

export const FIXTURE_DIR = findFixtureDir();

/** Runs `code` after `import tfevents as t` (and sys, os, json); returns stdout as bytes. */
export function py(code: string, args: string[] = []): Buffer {
  const prelude = `import sys, os, json\nsys.path.insert(0, ${JSON.stringify(FIXTURE_DIR)})\nimport tfevents as t\n`;
  return execFileSync('python3', ['-c', prelude + code, ...args], { maxBuffer: 64 * 1024 * 1024 });
}

/** Python's `pyyaml` is optional: tests that compare against the real yaml.dump skip without it. */
export function hasPyYaml(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
