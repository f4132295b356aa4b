// The tracker project folders under the logs dir (summaries only, options.summary): the project's name says the
// script (docs/worker-formats.md#logs) and its newest hparams.yml the effective total steps. Read once.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readLatestHparams } from '../../events/hparams';
import { TRACKER_PROJECTS } from '../../scripts/profiles';
import { logsDirOf } from '../../worker/logsDir';
import type { RunSource, SourceContext } from './types';

export class TrackerSource implements RunSource {
  readonly name = 'tracker';
  private done = false;

  async poll(ctx: SourceContext): Promise<void> {
    const launch = ctx.facts.launch;
    if (this.done || !ctx.options.summary || !launch?.outputDir) return;
    this.done = true;
    const logs = logsDirOf(launch.outputDir, launch.args);
    let entries: string[] = [];
    try {
      entries = await readdir(logs);
    } catch {
      return; // no logs dir: nothing to read
    }
    for (const [project, script] of TRACKER_PROJECTS) {
      if (!entries.includes(project)) continue;
      ctx.emit({ type: 'scriptHint', script, strength: 2, reason: `tracker project ${project}` });
      const hp = await readLatestHparams(join(logs, project));
      const total = hp?.values.max_train_steps;
      if (typeof total === 'number' && ctx.state.totalSteps === null) ctx.emit({ type: 'banner', totalSteps: total });
    }
  }
}
