// checkpoint-N folders in output_dir, every few passes while live and once at the end; output_dir deleted under a
// run is said once each time it goes.
import { stat } from 'node:fs/promises';
import type { RunEvent } from '../../run/events';
import { reduce } from '../../run/reducer';
import { scanCheckpoints } from '../../worker/checkpoints';
import type { RunSource, SourceContext } from './types';

const CHECKPOINT_EVERY = 4; // passes between checkpoint scans while live

export class CheckpointSource implements RunSource {
  readonly name = 'checkpoints';
  /** output_dir existed at a scan (so its disappearance is news). */
  private outputDirSeen = false;

  async poll(ctx: SourceContext): Promise<void> {
    if (!ctx.facts.end && ctx.passes % CHECKPOINT_EVERY !== 1) return;
    const out = ctx.facts.launch?.outputDir;
    if (!out) return;
    if (
      await stat(out).then(
        (st) => st.isDirectory(),
        () => false,
      )
    ) {
      this.outputDirSeen = true;
      ctx.unwarn('output_dir-gone');
    } else if (this.outputDirSeen) {
      // The scan below drops its checkpoints from the state.
      ctx.warn('output_dir-gone', `output_dir ${out} does not exist any more (deleted?): its checkpoints, event files and weights are gone`);
    }
    const s = ctx.state;
    const saved = s.checkpoints.filter((c) => c.complete).map((c) => c.step);
    const scan = await scanCheckpoints(out, { script: s.script, savedSteps: saved });
    if (scan.stray.length) {
      ctx.warn(`stray:${scan.stray.join(',')}`, `${out}: entries ${scan.stray.join(', ')} start with "checkpoint" and break the script's resume and pruning`);
    }
    // Only news is sent: what the scan changes in the run's own checkpoints (the console announces which are its own,
    // so the same listing can mean a change after a new announcement).
    const event: RunEvent = { type: 'checkpointScan', checkpoints: scan.checkpoints, ...(ctx.facts.unowned ? { adopt: true } : {}) };
    if (JSON.stringify(reduce(ctx.state, event).checkpoints) === JSON.stringify(ctx.state.checkpoints)) return;
    ctx.emit(event);
  }
}
