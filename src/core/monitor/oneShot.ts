// The monitor's sources read once, without a run record: summarize's bare console log and bare output_dir. The same
// sources and the same reducer as RunMonitor (which reads a record folder, and is what summarize uses for one), with
// fixed facts instead of run.json, no timers, no process checks; warnings become the same MONITOR_LOGGER records.
import { dirname } from 'node:path';
import { MONITOR_LOGGER, type RunEvent } from '../run/events';
import { reduce } from '../run/reducer';
import { initialRunState, type RunState } from '../run/state';
import { recordFiles } from '../supervisor/runRecord';
import type { RunFacts, RunSource, SourceContext, SourceOptions } from './sources/types';

export class OneShotContext implements SourceContext {
  readonly recordDir: string;
  readonly files: ReturnType<typeof recordFiles>;
  readonly live = false;
  readonly oneShot = true;
  passes = 0;
  private readonly warned = new Set<string>();

  /**
   * `consolePath`: the console log read by a ConsoleSource (none: a folder with no console). `onEvent` sees every
   * event with the state it made.
   */
  constructor(
    readonly options: SourceOptions,
    readonly facts: RunFacts,
    consolePath: string | undefined,
    public state: RunState = initialRunState(),
    private readonly onEvent?: (e: RunEvent, s: RunState) => void,
  ) {
    // No record folder: no RecordSource runs here, so only the console's name is used.
    this.recordDir = consolePath ? dirname(consolePath) : (facts.launch?.outputDir ?? '.');
    this.files = { ...recordFiles(this.recordDir), ...(consolePath ? { console: consolePath } : {}) };
  }

  now(): number {
    return Date.now();
  }

  emit(e: RunEvent): void {
    this.state = reduce(this.state, e);
    this.onEvent?.(e, this.state);
  }

  warn(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.emit({ type: 'log', level: 'WARNING', logger: MONITOR_LOGGER, message });
  }

  unwarn(key: string): void {
    this.warned.delete(key);
  }

  async restart(): Promise<void> {
    this.state = initialRunState();
  }

  /** Polls `sources` in order until none has more to read, then takes their last words (the files' end). */
  async readAll(sources: readonly RunSource[]): Promise<RunState> {
    for (let i = 0; i < 100_000; i++) {
      this.passes++;
      let more = false;
      for (const source of sources) more = (await source.poll(this)) === true || more;
      if (!more) break;
    }
    for (const source of sources) source.drain?.(this);
    return this.state;
  }
}
