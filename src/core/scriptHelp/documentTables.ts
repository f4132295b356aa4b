// Which argument table each open config is checked against, for an editor that must never wait: what is known now
// (memory or cache file) is answered at once; an unknown script's --help is started in the background and
// `onArrived` says when its table is there, so the config is checked again with it.
import { parseConfigText } from '../config/config';
import { helpTargetOf, type HelpTarget } from './helpTarget';
import type { ArgTableChoice } from './scriptTable';
import type { ScriptTableCache } from './scriptTableCache';

/** Configs above this are not parsed on the editor's thread for this (as the memory CodeLens): the built-in table. */
export const MAX_PARSED_CONFIG_CHARS = 256 * 1024;

export interface DocumentTablesOptions {
  /** false in an untrusted workspace: running the script's --help runs the script's imports. */
  maySpawn(): boolean;
  /** The `sdxl.scriptArguments.readHelp` setting. */
  enabled(): boolean;
  /** A --help started for the document `key` has finished: check it again. */
  onArrived(key: string): void;
  /** The environment a launch inherits (tests pass their own). */
  env?: Record<string, string | undefined>;
}

export class DocumentTables {
  private readonly shownByKey = new Map<string, ArgTableChoice>();
  /** Documents waiting for a --help, by the target's identity (script + interpreter + kind). */
  private readonly waiting = new Map<string, Set<string>>();

  constructor(
    private readonly cache: ScriptTableCache,
    private readonly opts: DocumentTablesOptions,
  ) {}

  /**
   * The table to check the document's text against now, never waiting for a --help; undefined where the config names
   * no script (the built-in table of whatever it says applies). Also what `shown` answers afterwards.
   */
  async current(key: string, text: string, configPath: string | undefined): Promise<ArgTableChoice | undefined> {
    const choice = await this.decide(key, text, configPath);
    if (choice) this.shownByKey.set(key, choice);
    else this.shownByKey.delete(key);
    return choice;
  }

  /** The table the document was last checked against (for hover and the status item). */
  shown(key: string): ArgTableChoice | undefined {
    return this.shownByKey.get(key);
  }

  /** Documents last checked against the script file at `scriptPath` (to check again when it is saved). */
  documentsOf(scriptPath: string): string[] {
    const out: string[] = [];
    for (const [key, c] of this.shownByKey) if ((c.source === 'script' ? c.table.scriptPath : c.scriptPath) === scriptPath) out.push(key);
    return out;
  }

  forget(key: string): void {
    this.shownByKey.delete(key);
  }

  private async decide(key: string, text: string, configPath: string | undefined): Promise<ArgTableChoice | undefined> {
    if (text.length > MAX_PARSED_CONFIG_CHARS) return undefined;
    const config = parseConfigText(text).config;
    if (!config) return undefined;
    const builtin = (reason: string, scriptPath?: string): ArgTableChoice => ({
      source: 'builtin',
      kind: config.script,
      reason,
      ...(scriptPath ? { scriptPath } : {}),
    });
    if (!this.opts.enabled()) return builtin("reading the script's --help is turned off (sdxl.scriptArguments.readHelp)");
    if (configPath === undefined) return builtin('the config is not saved in a file, so its script cannot be located');
    const target = helpTargetOf(config, configPath, this.opts.env ? { env: this.opts.env } : {});
    if ('error' in target) return builtin(`the script cannot be located (${target.error})`);
    const known = await this.cache.peek(target);
    if (known) return known;
    if (!this.opts.maySpawn()) return builtin("the workspace is not trusted, so the script's --help is not run", target.script);
    this.start(key, target);
    return builtin("the script's --help is being read", target.script);
  }

  private start(key: string, target: HelpTarget): void {
    const id = `${target.kind}\0${target.script}\0${target.python}`;
    const docs = this.waiting.get(id);
    if (docs) {
      docs.add(key);
      return;
    }
    this.waiting.set(id, new Set([key]));
    const done = (): void => {
      const keys = this.waiting.get(id) ?? new Set<string>();
      this.waiting.delete(id);
      for (const k of keys) this.opts.onArrived(k);
    };
    // The cache never rejects for a failing script (that is a built-in answer with its reason); anything else is a bug
    // that must not leave the document waiting.
    this.cache.get(target).then(done, done);
  }
}
