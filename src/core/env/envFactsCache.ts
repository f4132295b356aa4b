// The environment facts each open config is checked against, for an editor that must never wait (as scriptHelp's
// DocumentTables): what is known of its interpreter now is answered at once; an unknown one is probed in the
// background (trusted workspaces only) and `onArrived` names the documents to check again. One probe per interpreter
// and environment however many configs ask; results expire, since the user installs packages.
import { statSync } from 'node:fs';
import { parseConfigText } from '../config/config';
import { doctorTarget, runDoctor, type DoctorReport, type DoctorTarget } from './doctor';
import type { EnvironmentFacts } from './facts';
import type { ProbeRunner } from './probe';
import { readScriptMinimum } from './scriptMinimum';

/** Configs above this are not parsed on the editor's thread for this (as the argument tables). */
const MAX_PARSED_CONFIG_CHARS = 256 * 1024;
/** A probe's answer is trusted this long; "SDXL: Check Environment" and a closed pip terminal renew it sooner. */
export const FACTS_TTL_MS = 10 * 60_000;

export interface EnvFactsCacheOptions {
  /** false in an untrusted workspace: the probe runs the interpreter. */
  maySpawn(): boolean;
  /** A probe started for these documents has finished: check them again. */
  onArrived(keys: string[]): void;
  /** The environment a launch inherits (tests pass their own). */
  env?: Record<string, string | undefined>;
  run?: ProbeRunner;
  now?: () => number;
}

interface Entry {
  at: number;
  /** Absent when the probe failed: no environment diagnostics then (the doctor says why). */
  report?: DoctorReport;
}

/** What decides a probe's answer: the interpreter, where accelerate's config is, what Python imports. */
export function probeKey(t: Pick<DoctorTarget, 'python' | 'env' | 'accelerateConfigFile'>): string {
  const e = t.env;
  return JSON.stringify([t.python, t.accelerateConfigFile ?? '', e.HF_HOME ?? '', e.XDG_CACHE_HOME ?? '', e.PYTHONPATH ?? '', e.PYTHONHOME ?? '']);
}

export class EnvFactsCache {
  private readonly entries = new Map<string, Entry>();
  /** Documents waiting for a probe, by probe key. */
  private readonly waiting = new Map<string, Set<string>>();
  /** The probe key each document was last answered for. */
  private readonly keyOfDoc = new Map<string, string>();
  private readonly minimums = new Map<string, { stamp: string; value: ReturnType<typeof readScriptMinimum> }>();

  constructor(private readonly opts: EnvFactsCacheOptions) {}

  /** The facts to check the document with now; never waits (onArrived follows a probe it starts). */
  current(docKey: string, text: string, configPath: string | undefined): EnvironmentFacts | undefined {
    if (configPath === undefined || text.length > MAX_PARSED_CONFIG_CHARS) return undefined;
    const config = parseConfigText(text).config;
    if (!config) return undefined;
    // A simulated run (the demo's stand-in trainer, marked as runs/simulation.ts reads it) trains in no Python
    // environment: its configs get no environment diagnostics. "Check Environment" still reports on the interpreter.
    if (config.launch?.env?.['SDXL_STANDIN_TRAINER'] !== undefined) return undefined;
    const target = doctorTarget({
      config: { config, path: configPath },
      readMinimum: (p) => this.minimum(p),
      ...(this.opts.env ? { env: this.opts.env } : {}),
    });
    if ('error' in target) return undefined;
    const key = probeKey(target);
    this.keyOfDoc.set(docKey, key);
    const entry = this.entries.get(key);
    const now = (this.opts.now ?? Date.now)();
    if (entry && now - entry.at < FACTS_TTL_MS) {
      if (!entry.report?.probe) return undefined;
      return {
        python: target.python,
        probe: entry.report.probe,
        ...(target.needs.diffusersMinimum ? { diffusersMinimum: target.needs.diffusersMinimum } : {}),
        ...(target.needs.scriptPath ? { scriptPath: target.needs.scriptPath } : {}),
      };
    }
    if (this.opts.maySpawn()) this.start(docKey, key, target);
    return entry?.report?.probe ? { python: target.python, probe: entry.report.probe } : undefined;
  }

  /** A report the user asked for ("Check Environment"): it replaces what was known; the documents using it are checked again. */
  put(target: Pick<DoctorTarget, 'python' | 'env' | 'accelerateConfigFile'>, report: DoctorReport): void {
    const key = probeKey(target);
    this.entries.set(key, { at: (this.opts.now ?? Date.now)(), report });
    this.opts.onArrived(this.docsOf(key));
  }

  /** Forgets what is known of an interpreter (a pip install ran in it); its documents are checked again. */
  invalidate(python: string): void {
    const keys: string[] = [];
    for (const key of this.entries.keys()) if ((JSON.parse(key) as string[])[0] === python) keys.push(key);
    for (const key of keys) this.entries.delete(key);
    this.opts.onArrived(keys.flatMap((k) => this.docsOf(k)));
  }

  forget(docKey: string): void {
    this.keyOfDoc.delete(docKey);
  }

  private docsOf(key: string): string[] {
    const out: string[] = [];
    for (const [doc, k] of this.keyOfDoc) if (k === key) out.push(doc);
    return out;
  }

  private start(docKey: string, key: string, target: DoctorTarget): void {
    const docs = this.waiting.get(key);
    if (docs) {
      docs.add(docKey);
      return;
    }
    this.waiting.set(key, new Set([docKey]));
    const done = (report: DoctorReport | undefined): void => {
      this.entries.set(key, { at: (this.opts.now ?? Date.now)(), ...(report ? { report } : {}) });
      const keys = this.waiting.get(key) ?? new Set<string>();
      this.waiting.delete(key);
      this.opts.onArrived([...keys]);
    };
    runDoctor(target, this.opts.run ? { run: this.opts.run } : {}).then(done, () => done(undefined));
  }

  /** The script's minimum, read again only when the file changed. */
  private minimum(path: string): ReturnType<typeof readScriptMinimum> {
    let stamp = '';
    try {
      const st = statSync(path);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      // Missing: readScriptMinimum says so.
    }
    const known = this.minimums.get(path);
    if (known && stamp !== '' && known.stamp === stamp) return known.value;
    const value = readScriptMinimum(path);
    if (stamp !== '') this.minimums.set(path, { stamp, value });
    return value;
  }
}
