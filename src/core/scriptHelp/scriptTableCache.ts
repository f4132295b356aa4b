// The argument table of a config's own script file, read from its `--help` once per file content: in memory, and in a
// cache file (`<cacheDir>/<kind>-<sha256>.json`) so a new window or CLI run does not start Python again. A `--help`
// that fails (a syntax or import error, a timeout, output that is not argparse's) gives the built-in table with the
// reason; failures are kept in memory only, so the next session tries again (the user may have fixed the environment).
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ARG_GROUPS, type ArgSpec } from '../scripts/scriptTables';
import { HelpParseError, parseArgparseHelp } from './helpParser';
import { DEFAULT_HELP_MAX_BYTES, DEFAULT_HELP_TIMEOUT_MS, runHelp, type HelpRunner } from './helpRunner';
import type { HelpTarget } from './helpTarget';
import { tableFromHelp, type ArgTableChoice, type ScriptArgTable } from './scriptTable';

export interface ScriptTableCacheOptions {
  /** Folder of the cache files; none: memory only. */
  cacheDir?: string;
  run?: HelpRunner;
  timeoutMs?: number;
  maxOutputBytes?: number;
}

/** Scripts are ~100 KB; a file far larger is not one of them, and is not read whole to hash it. */
export const MAX_SCRIPT_BYTES = 8 * 1024 * 1024;
/** Distinct (script content, interpreter) pairs kept in memory; each edit of a script makes a new one. */
const MEMORY_ENTRIES = 64;
const FORMAT = 1;

const ARG_TYPES = new Set(['str', 'int', 'float', 'bool-flag', 'bool']);

function isArgSpec(v: unknown): v is ArgSpec {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  return (
    typeof a.name === 'string' &&
    typeof a.dest === 'string' &&
    typeof a.type === 'string' &&
    ARG_TYPES.has(a.type) &&
    typeof a.required === 'boolean' &&
    (a.help === null || typeof a.help === 'string') &&
    (a.choices === null || Array.isArray(a.choices)) &&
    typeof a.group === 'string' &&
    (ARG_GROUPS as readonly string[]).includes(a.group)
  );
}

/** A cache file's table, or undefined when it is not one this version wrote for this content. */
function tableOfCacheFile(text: string, kind: string, hash: string): ArgSpec[] | undefined {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v.format !== FORMAT || v.kind !== kind || v.hash !== hash || !Array.isArray(v.args)) return undefined;
    return v.args.every(isArgSpec) ? (v.args as ArgSpec[]) : undefined;
  } catch {
    return undefined;
  }
}

type Hashed = { hash: string } | { choice: ArgTableChoice };

export class ScriptTableCache {
  /** `--help` runs started (tests read it). */
  spawns = 0;
  private readonly memory = new Map<string, ArgTableChoice>();
  private readonly inflight = new Map<string, Promise<ArgTableChoice>>();
  private readonly run: HelpRunner;

  constructor(private readonly opts: ScriptTableCacheOptions = {}) {
    this.run = opts.run ?? runHelp;
  }

  /** The table known for the target without running anything (memory, then the cache file); undefined if none is. */
  async peek(target: HelpTarget): Promise<ArgTableChoice | undefined> {
    const hashed = await this.hashOf(target);
    if ('choice' in hashed) return hashed.choice;
    return this.known(target, hashed.hash);
  }

  /** The table for the target: known, or read from `--help` now (one run per content, however many ask). */
  async get(target: HelpTarget): Promise<ArgTableChoice> {
    const hashed = await this.hashOf(target);
    if ('choice' in hashed) return hashed.choice;
    const known = await this.known(target, hashed.hash);
    if (known) return known;
    const key = this.key(target, hashed.hash);
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.readHelp(target, hashed.hash).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return withPath(await pending, target);
  }

  private key(target: HelpTarget, hash: string): string {
    return `${target.kind}\0${hash}\0${target.python}`;
  }

  private remember(key: string, choice: ArgTableChoice): void {
    this.memory.delete(key);
    this.memory.set(key, choice);
    if (this.memory.size > MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
  }

  private cacheFile(target: HelpTarget, hash: string): string | undefined {
    return this.opts.cacheDir ? join(this.opts.cacheDir, `${target.kind}-${hash}.json`) : undefined;
  }

  private async known(target: HelpTarget, hash: string): Promise<ArgTableChoice | undefined> {
    const key = this.key(target, hash);
    const inMemory = this.memory.get(key);
    if (inMemory) return withPath(inMemory, target);
    const file = this.cacheFile(target, hash);
    if (!file) return undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    const args = tableOfCacheFile(text, target.kind, hash);
    if (!args) return undefined;
    const choice: ArgTableChoice = { source: 'script', table: { kind: target.kind, scriptPath: target.script, hash, args } };
    this.remember(key, choice);
    return choice;
  }

  /** The script file's sha256, or the built-in table when the file cannot be read. */
  private async hashOf(target: HelpTarget): Promise<Hashed> {
    const builtin = (reason: string): Hashed => ({ choice: { source: 'builtin', kind: target.kind, reason, scriptPath: target.script } });
    try {
      const st = await stat(target.script);
      if (!st.isFile()) return builtin(`${target.script} is not a file`);
      if (st.size > MAX_SCRIPT_BYTES) return builtin(`${target.script} is over ${MAX_SCRIPT_BYTES / 1048576} MiB, not a training script`);
      return {
        hash: createHash('sha256')
          .update(await readFile(target.script))
          .digest('hex'),
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return builtin(code === 'ENOENT' ? `no script file at ${target.script}` : `${target.script} cannot be read (${code ?? String(e)})`);
    }
  }

  private async readHelp(target: HelpTarget, hash: string): Promise<ArgTableChoice> {
    this.spawns++;
    const out = await this.run({
      python: target.python,
      script: target.script,
      cwd: target.cwd,
      env: target.env,
      timeoutMs: this.opts.timeoutMs ?? DEFAULT_HELP_TIMEOUT_MS,
      maxBytes: this.opts.maxOutputBytes ?? DEFAULT_HELP_MAX_BYTES,
    });
    let choice: ArgTableChoice;
    if (!out.ok) {
      choice = { source: 'builtin', kind: target.kind, reason: `the script's --help failed (${out.reason})`, scriptPath: target.script };
    } else {
      try {
        const table = tableFromHelp(target.kind, target.script, hash, parseArgparseHelp(out.stdout));
        choice = { source: 'script', table };
        await this.save(target, table);
      } catch (e) {
        if (!(e instanceof HelpParseError)) throw e;
        choice = { source: 'builtin', kind: target.kind, reason: `the script's --help output could not be read: ${e.message}`, scriptPath: target.script };
      }
    }
    this.remember(this.key(target, hash), choice);
    return choice;
  }

  /** Written whole under a temporary name, then renamed: a reader never sees half a file. Best effort. */
  private async save(target: HelpTarget, table: ScriptArgTable): Promise<void> {
    const file = this.cacheFile(target, table.hash);
    if (!file || !this.opts.cacheDir) return;
    try {
      await mkdir(this.opts.cacheDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ format: FORMAT, kind: table.kind, hash: table.hash, args: table.args }), { mode: 0o600 });
      await rename(tmp, file);
    } catch {
      // A cache that cannot be written only costs another --help next time.
    }
  }
}

/** The same content may sit at several paths: the table names the one asked about. */
function withPath(choice: ArgTableChoice, target: HelpTarget): ArgTableChoice {
  if (choice.source === 'script') {
    return choice.table.scriptPath === target.script ? choice : { source: 'script', table: { ...choice.table, scriptPath: target.script } };
  }
  return choice.scriptPath === target.script ? choice : { ...choice, scriptPath: target.script };
}
